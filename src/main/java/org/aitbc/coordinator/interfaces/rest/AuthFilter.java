package org.aitbc.coordinator.interfaces.rest;

import jakarta.annotation.Priority;
import jakarta.ejb.EJB;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.aitbc.coordinator.application.AccountService;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.infrastructure.security.RateLimiter;

/**
 * Authenticates the API key ({@code X-Api-Key}, or {@code Authorization: Bearer <key>} as most
 * HTTP clients and proxies send it; both at once must agree), checks the route's roles, and applies
 * the key's rate limit. Failed authentications are counted per client address: past
 * {@code aitbc.auth.failures.per.minute} in a minute, that address's unknown keys are answered 429
 * without a lookup, while keys that authenticated on this server before are still served.
 * Lookups are cached by key hash for a few seconds; a revocation made on this server takes
 * effect at once, one made on another server within {@value #CACHE_MS} ms.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AuthFilter implements ContainerRequestFilter {
    static final String HEADER = "X-Api-Key";
    static final String AUTHORIZATION = "Authorization";
    private static final String BEARER = "Bearer ";
    private static final long CACHE_MS = 5_000;
    private static final Map<String, Cached> CACHE = new ConcurrentHashMap<>();

    private record Cached(Caller caller, long until) {}

    /** The rate limiter's key prefix for failed authentications of one client address. */
    private static final String FAILURES = "auth-failures@";
    /** How long a key that authenticated stays exempt from its address's failure limit. */
    private static final long KNOWN_GOOD_MS = 24 * 3_600_000L;
    /** Hashes of keys that authenticated on this server, until when they stay exempt. */
    private static final Map<String, Long> KNOWN_GOOD = new ConcurrentHashMap<>();

    @Context
    HttpServletRequest http;

    @Context
    ResourceInfo resourceInfo;

    @EJB
    AccountService accounts;

    @Inject
    CurrentCaller current;

    @Inject
    RateLimiter limiter;

    @Inject
    CoordinatorConfig config;

    /** Forgets cached lookups of an account, after it was revoked here. */
    static void forget(String accountId) {
        CACHE.values().removeIf(c -> c.caller().accountId().equals(accountId));
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Method method = resourceInfo.getResourceMethod();
        Class<?> type = resourceInfo.getResourceClass();
        if (method == null || method.isAnnotationPresent(Public.class) || type.isAnnotationPresent(Public.class)) {
            return;
        }
        Allowed allowed = method.isAnnotationPresent(Allowed.class)
                ? method.getAnnotation(Allowed.class)
                : type.getAnnotation(Allowed.class);
        if (allowed == null) {
            return;
        }
        String key = key(request.getHeaderString(HEADER), request.getHeaderString(AUTHORIZATION));
        String failures = FAILURES + clientAddress();
        String hash = Ids.sha256Hex(key);
        if (!knownGood(hash)) {
            // Past the limit, an address's unknown keys are refused before they cost a lookup; a
            // key that worked here before is still looked up, so others' failures never lock it out.
            long wait = limiter.waitFor(failures, config.authFailuresPerMinute());
            if (wait > 0) {
                throw new CoordinatorException(
                        Kind.RATE_LIMITED,
                        "RATE_LIMITED",
                        "too many failed authentications from this address; retry in " + wait + " s",
                        null,
                        wait);
            }
        }
        Optional<Caller> found = authenticate(key);
        if (found.isEmpty()) {
            limiter.count(failures);
            throw new CoordinatorException(Kind.UNAUTHENTICATED, "UNAUTHENTICATED", "the API key is not valid");
        }
        Caller caller = found.get();
        remember(hash);
        if (Arrays.stream(allowed.value()).noneMatch(r -> r == caller.role())) {
            throw new CoordinatorException(
                    Kind.FORBIDDEN, "FORBIDDEN", "a " + caller.role().wire() + " key may not call this route");
        }
        int[] limits = config.rateLimits(caller.role(), caller.plan());
        long retryAfter = limiter.acquire(caller.keyHash(), limits[0], limits[1]);
        if (retryAfter > 0) {
            throw new CoordinatorException(
                    Kind.RATE_LIMITED,
                    "RATE_LIMITED",
                    "too many requests for this API key; retry in " + retryAfter + " s",
                    null,
                    retryAfter);
        }
        current.set(caller);
    }

    /**
     * The key a request carries: {@code X-Api-Key}, else the token of {@code Authorization:
     * Bearer}. Two that disagree are 401: which one the sender meant is unknowable. An
     * {@code Authorization} of another scheme is not a key and is ignored.
     */
    static String key(String apiKeyHeader, String authorization) {
        String key = apiKeyHeader == null || apiKeyHeader.isBlank() ? null : apiKeyHeader.trim();
        String bearer = null;
        if (authorization != null) {
            String a = authorization.trim();
            if (a.length() > BEARER.length() && a.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                bearer = a.substring(BEARER.length()).trim();
            }
        }
        if (key != null && bearer != null && !bearer.isEmpty() && !key.equals(bearer)) {
            throw new CoordinatorException(
                    Kind.UNAUTHENTICATED,
                    "UNAUTHENTICATED",
                    "X-Api-Key and Authorization: Bearer carry different keys; send one key");
        }
        String chosen = key != null ? key : bearer;
        if (chosen == null || chosen.isEmpty()) {
            throw new CoordinatorException(
                    Kind.UNAUTHENTICATED,
                    "UNAUTHENTICATED",
                    "send your API key in the X-Api-Key header (or as Authorization: Bearer <key>)");
        }
        return chosen;
    }

    private String clientAddress() {
        // The connection's peer, never a header a client could set.
        String address = http == null ? null : http.getRemoteAddr();
        return address == null ? "unknown" : address;
    }

    private static boolean knownGood(String hash) {
        Long until = KNOWN_GOOD.get(hash);
        return until != null && until > System.currentTimeMillis();
    }

    private static void remember(String hash) {
        if (KNOWN_GOOD.size() > 100_000) {
            KNOWN_GOOD.clear();
        }
        KNOWN_GOOD.put(hash, System.currentTimeMillis() + KNOWN_GOOD_MS);
    }

    private Optional<Caller> authenticate(String key) {
        String hash = Ids.sha256Hex(key);
        long now = System.currentTimeMillis();
        Cached cached = CACHE.get(hash);
        if (cached != null && cached.until() > now) {
            return Optional.of(cached.caller());
        }
        Optional<Caller> caller = accounts.authenticate(key);
        caller.ifPresent(c -> {
            if (CACHE.size() > 100_000) {
                CACHE.clear();
            }
            CACHE.put(hash, new Cached(c, now + CACHE_MS));
        });
        if (caller.isEmpty()) {
            CACHE.remove(hash);
        }
        return caller;
    }
}
