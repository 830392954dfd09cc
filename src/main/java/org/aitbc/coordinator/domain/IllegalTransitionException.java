package org.aitbc.coordinator.domain;

/** A move the state machine does not allow, e.g. canceling a completed job. */
public class IllegalTransitionException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final JobState from;
    private final JobState to;

    public IllegalTransitionException(JobState from, JobState to) {
        super("job is " + from.wire() + " and cannot become " + to.wire());
        this.from = from;
        this.to = to;
    }

    public JobState from() {
        return from;
    }

    public JobState to() {
        return to;
    }
}
