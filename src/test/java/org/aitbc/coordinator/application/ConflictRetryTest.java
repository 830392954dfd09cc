package org.aitbc.coordinator.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.ejb.EJBException;
import jakarta.interceptor.InvocationContext;
import jakarta.persistence.OptimisticLockException;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.junit.jupiter.api.Test;

/** How often a use case runs, and what its caller sees, for each kind of failure. */
class ConflictRetryTest {
    private static final EJBException CONFLICT = new EJBException(new OptimisticLockException("lost"));

    private final AtomicInteger tries = new AtomicInteger();

    /** An interceptor outside (key null) or inside (key set) a transaction. */
    private static ConflictRetry retry(Object transactionKey) {
        ConflictRetry r = new ConflictRetry();
        r.transactions = (TransactionSynchronizationRegistry) Proxy.newProxyInstance(
                ConflictRetryTest.class.getClassLoader(),
                new Class<?>[] {TransactionSynchronizationRegistry.class},
                (proxy, method, args) -> method.getName().equals("getTransactionKey") ? transactionKey : null);
        return r;
    }

    /** A call whose n-th try (from 1) does what {@code outcome} says: returns its value or throws it. */
    private InvocationContext call(IntFunction<Object> outcome) {
        return (InvocationContext) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {InvocationContext.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("proceed")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    Object result = outcome.apply(tries.incrementAndGet());
                    if (result instanceof RuntimeException e) {
                        throw e;
                    }
                    return result;
                });
    }

    @Test
    void aLostRaceRunsAgainUntilItWins() throws Exception {
        assertEquals("done", retry(null).retry(call(n -> n < 3 ? CONFLICT : "done")));
        assertEquals(3, tries.get());
    }

    @Test
    void afterFourTriesTheConflictGoesOn() {
        assertSame(CONFLICT, assertThrows(EJBException.class, () -> retry(null).retry(call(n -> CONFLICT))));
        assertEquals(ConflictRetry.TRIES, tries.get());
        assertEquals(4, ConflictRetry.TRIES);
    }

    @Test
    void otherFailuresAndRefusalsAreNotRetried() {
        EJBException fault = new EJBException(new IllegalStateException("a bug"));
        assertSame(fault, assertThrows(EJBException.class, () -> retry(null).retry(call(n -> fault))));
        assertEquals(1, tries.get());
        CoordinatorException refusal = new CoordinatorException(Kind.CONFLICT, "LEASE_LOST", "lost");
        assertSame(
                refusal,
                assertThrows(CoordinatorException.class, () -> retry(null).retry(call(n -> refusal))));
        assertEquals(2, tries.get());
    }

    @Test
    void insideATransactionItRunsOnce() {
        assertThrows(EJBException.class, () -> retry("tx").retry(call(n -> CONFLICT)));
        assertEquals(1, tries.get());
    }
}
