package org.aitbc.coordinator.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code aitbc client ...}: every client command of the user's guide, grouped by family in
 * {@link SubmitCommands}, {@link FollowCommands}, {@link HistoryCommands}, {@link CancelCommand} and
 * {@link ResultCommands}; what they share is in {@link ClientCommand} and {@link Format}.
 */
@Command(
        name = "client",
        mixinStandardHelpOptions = true,
        description = "Submit, follow, list and cancel jobs; download, verify, share and delete results.",
        subcommands = {
            SubmitCommands.Submit.class,
            SubmitCommands.BatchSubmit.class,
            FollowCommands.Status.class,
            HistoryCommands.Get.class,
            FollowCommands.Watch.class,
            LogsCommand.class,
            HistoryCommands.ListJobs.class,
            HistoryCommands.Export.class,
            HistoryCommands.Stats.class,
            CancelCommand.class,
            RetryCommand.class,
            ResultCommands.Download.class,
            ResultCommands.Share.class,
            ResultCommands.Verify.class,
            ResultCommands.Keys.class,
            ResultCommands.Delete.class,
            WebhookCommands.class
        })
class ClientCommands {
    @ParentCommand
    Aitbc root;
}
