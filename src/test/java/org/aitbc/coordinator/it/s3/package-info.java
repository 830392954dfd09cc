/**
 * Results and inputs on an object store: the tests run against the second test server
 * ({@code aitbc.results.store=s3}) and look into s3proxy's bucket themselves through the AWS SDK.
 */
package org.aitbc.coordinator.it.s3;
