package org.aitbc.coordinator.application;

import jakarta.enterprise.context.RequestScoped;

/**
 * The miner session a request names (its {@code X-Miner-Session} token), for the length of one
 * request. The resource sets it; every miner call's identity check ({@link JobClaimer#minerFor})
 * reads it, so that each miner write, present or future, is fenced by the session without every
 * use case passing it along. A request that names none (older miners) is checked as before.
 */
@RequestScoped
public class MinerSession {
    private String token;

    public void set(String token) {
        this.token = token == null || token.isBlank() ? null : token.trim();
    }

    /** The token the request named, or null. */
    public String token() {
        return token;
    }
}
