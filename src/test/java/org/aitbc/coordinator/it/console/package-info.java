/**
 * The web console tested in a real browser: Selenium driving Debian's headless Chromium against
 * the integration-test server, with jobs moved by the tests as a client and a miner through the
 * real API. Each test saves what the browser showed under target/console-screenshots/.
 */
package org.aitbc.coordinator.it.console;
