/**
 * The web console: its static files (src/main/webapp/console/ and the WebJars it uses) served at
 * {@code /console/} with a strict Content-Security-Policy, and the redirect of a browser asking
 * for {@code /} as HTML. The console itself is JavaScript calling the public API with the user's
 * key; nothing here reads or writes jobs.
 */
package org.aitbc.coordinator.interfaces.console;
