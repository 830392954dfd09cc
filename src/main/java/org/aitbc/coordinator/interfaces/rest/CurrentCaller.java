package org.aitbc.coordinator.interfaces.rest;

import jakarta.enterprise.context.RequestScoped;
import org.aitbc.coordinator.application.Caller;

/** The authenticated caller of the current request, set by {@link AuthFilter}. */
@RequestScoped
public class CurrentCaller {
    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    public Caller get() {
        return caller;
    }
}
