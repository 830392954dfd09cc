package org.aitbc.coordinator.interfaces.console;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which requests for {@code /} are a browser's (redirected to the console) and what the policy allows. */
class ConsoleFilterTest {

    @Test
    void browsersAskingForHtmlAreRedirectedJsonClientsAreNot() {
        assertTrue(ConsoleFilter.wantsHtml(
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"));
        assertTrue(ConsoleFilter.wantsHtml("TEXT/HTML"));
        assertFalse(ConsoleFilter.wantsHtml(null), "curl sends */* or nothing");
        assertFalse(ConsoleFilter.wantsHtml("*/*"));
        assertFalse(ConsoleFilter.wantsHtml("application/json"));
        assertFalse(ConsoleFilter.wantsHtml("application/json, text/html;q=0.1"), "JSON first");
    }

    @Test
    void thePolicyAllowsScriptsFromThisOriginOnly() {
        String scripts = ConsoleFilter.POLICY.replaceAll(".*script-src ([^;]*);.*", "$1");
        assertTrue(scripts.equals("'self'"), scripts);
        assertFalse(ConsoleFilter.POLICY.contains("unsafe-eval"));
        assertFalse(ConsoleFilter.POLICY.contains("http:") || ConsoleFilter.POLICY.contains("https:"));
        assertTrue(ConsoleFilter.POLICY.contains("frame-ancestors 'none'"));
    }
}
