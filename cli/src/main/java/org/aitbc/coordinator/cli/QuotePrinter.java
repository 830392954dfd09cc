package org.aitbc.coordinator.cli;

import org.aitbc.coordinator.wire.QuoteAnswer;

/** {@code aitbc client submit --dry-run}: a quote as lines, or as the API's JSON with {@code --json}. */
final class QuotePrinter {
    private QuotePrinter() {}

    static void print(ClientCommand command, String body) {
        if (command.printedAsJson(body)) {
            return;
        }
        QuoteAnswer q = Http.JSONB.fromJson(body, QuoteAnswer.class);
        var out = command.out();
        out.println("Dry run: nothing was submitted.");
        out.println("Estimated cost:  " + Format.money(q.estimatedCost()) + " AITBC");
        out.println("Estimated time:  " + q.estimatedTimeSeconds() + " s");
        out.println("Matching miners: " + q.matchingMiners() + " registered, " + q.matchingOnline() + " online now (of "
                + q.registeredMiners() + " registered, " + q.onlineMiners() + " online)");
        out.println("Queue wait:      "
                + (q.expectedQueueWaitSeconds() == null ? "unknown" : "about " + q.expectedQueueWaitSeconds() + " s")
                + (q.queueWait() == null ? "" : " (" + q.queueWait().basis() + ")"));
        if (q.ruledOutBy() != null) {
            for (QuoteAnswer.RuledOut r : q.ruledOutBy()) {
                out.println("Ruled out by " + r.field() + ": " + r.message());
            }
        }
    }
}
