import { AgentReportsRunner } from "./agent-reports.js";
import { CostsRunner } from "./costs-runner.js";
import { MailRunner } from "./mail-delivery.js";
import { MergeQueueRunner } from "./merge-queue-runner.js";
import { MemoryDraftsRunner } from "./memory-drafts.js";
import type { HubRunnerFactory } from "./runner.js";
import { ScopeWatchRunner } from "./scope-watch.js";
import { TaskLoop } from "./task-loop.js";

/**
 * The runners every hub runs, in start order (see `HubRunner`). Adding a runner is one
 * module plus one line here; the composition roots (the daemon, `up --in-process`) hand
 * this list to the hub.
 */
export const HUB_RUNNERS: readonly HubRunnerFactory[] = [
  () => new MailRunner(),
  () => new AgentReportsRunner(),
  () => new CostsRunner(),
  () => new MergeQueueRunner(),
  () => new MemoryDraftsRunner(),
  () => new TaskLoop(),
  () => new ScopeWatchRunner(),
];
