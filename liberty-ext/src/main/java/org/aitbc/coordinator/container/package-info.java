/**
 * The Open Liberty product extension {@code usr:aitbcPathGuard-1.0}: an HTTP container, asked before
 * the web container, that answers in the API's error shape the request paths the web container
 * refuses before any application is chosen (docs/HOSTILE-INPUT.md). Only the JDK and the public
 * HTTP transport SPI ({@code com.ibm.wsspi.http}); no part of the war.
 */
package org.aitbc.coordinator.container;
