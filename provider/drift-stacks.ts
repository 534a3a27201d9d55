/**
 * The stacks of a Pulumi project, read through the Automation API (`@pulumi/pulumi/automation`,
 * driving the `pulumi` CLI the user has), read-only: `stack ls`, `stack export`, `config`, and
 * `refresh --preview-only`, which reads every resource through its provider but writes no state
 * and leaves no lock (checked byte for byte in tests/e2e/drift.test.ts). Nothing here calls
 * `up`, `refresh` without `--preview-only`, `import` or `cancel`.
 *
 * Selecting a stack is the Automation API's only way to address one, and it changes the
 * project's selected stack (a setting in `PULUMI_HOME`, not state): {@link PulumiProject.restoreSelection}
 * puts the user's selection back.
 *
 * Every failure becomes a `VAST_CHECK_FAILED` error built from the CLI's `error:` lines only:
 * stdout, which holds decrypted state for `stack export --show-secrets`, is never shown.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CommandError, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { type ManagedKeyRef, managedKeysFromState } from "./audit";
import type { RefreshOutcome } from "./drift";
import { commandFailure, keyResourcesOf, RefreshEvents, type StoredKeyResource } from "./drift-state";
import { ErrorCodes, VastError } from "./errors";
import { vastEntries } from "./stack-config";

/** What the check reads of one stack before refreshing it. */
export interface StackReading {
  /** Its key resources, without key values. */
  resources: StoredKeyResource[];
  /** The keys it manages (the audit's rule). */
  managed: ManagedKeyRef[];
  /** Its `vast:*` config, keyed without the namespace (`apiKey`, `url`): what its next `up` configures. Secret. */
  vastConfig: Record<string, unknown>;
}

/** The project's stacks in the current backend, and the one selected. */
export interface ProjectStacks {
  /** Stack names. */
  names: string[];
  /** The selected stack, if any. */
  current: string | undefined;
}

const run = promisify(execFile);

function checkFailed(message: string): VastError {
  return new VastError(ErrorCodes.checkFailed, message);
}

/**
 * Runs one Automation API step, turning any failure into `VAST_CHECK_FAILED` naming the step.
 * A failure that is not the CLI's own (e.g. output that does not parse) is described without its
 * text, which could quote decrypted output.
 */
async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CommandError) throw checkFailed(`${what} failed: ${commandFailure(err.message)}`);
    throw checkFailed(`${what} failed: ${err instanceof Error ? err.name : "error"} (details withheld: they may quote decrypted output)`);
  }
}

/** A Pulumi project directory, read through the Automation API. */
export class PulumiProject {
  private readonly stacks = new Map<string, Stack>();

  private constructor(private readonly ws: LocalWorkspace) {}

  /** Opens the project in `dir` (where `Pulumi.yaml` is), with the `pulumi` CLI on `PATH`. */
  static async open(dir: string): Promise<PulumiProject> {
    // PULUMI_SKIP_CONFIRMATIONS=true (common in CI) acts as `--yes`, which `refresh --preview-only` refuses.
    const envVars = { PULUMI_SKIP_CONFIRMATIONS: "false" };
    return new PulumiProject(await step(`opening the Pulumi project in ${dir}`, () => LocalWorkspace.create({ workDir: dir, envVars })));
  }

  /** The project's stacks in the current backend (`pulumi stack ls`). */
  async listStacks(): Promise<ProjectStacks> {
    const list = await step("listing the project's stacks (pulumi stack ls)", () => this.ws.listStacks());
    return { names: list.map((s) => s.name), current: list.find((s) => s.current)?.name };
  }

  /** Exports `name`'s state and reads its `vast:*` config. */
  async readStack(name: string): Promise<StackReading> {
    const stack = await step(`stack ${name}: selecting it`, () => Stack.select(name, this.ws));
    this.stacks.set(name, stack);
    const deployment = await step(`stack ${name}: exporting its state (pulumi stack export)`, () => stack.exportStack());
    const config = await step(`stack ${name}: reading its config (pulumi config)`, () => stack.getAllConfig());
    const source = `stack ${name}`;
    return {
      resources: keyResourcesOf(deployment, source),
      managed: managedKeysFromState(deployment, source),
      vastConfig: vastEntries(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value]))),
    };
  }

  /**
   * `pulumi refresh --preview-only --target <urn>…` on a stack read by {@link readStack}: what a
   * refresh would store for each of `urns`, without storing it.
   * @throws VastError `VAST_CHECK_FAILED` with the engine's errors when the preview fails.
   */
  async refreshPreview(name: string, urns: readonly string[]): Promise<Map<string, RefreshOutcome>> {
    const stack = this.stacks.get(name);
    if (!stack) throw new Error(`stack ${name} was not read first`);
    const events = new RefreshEvents();
    try {
      await stack.previewRefresh({ target: [...urns], onEvent: events.onEvent });
    } catch (err) {
      const errors = events.errors();
      const why = errors.length ? errors.join("; ") : commandFailure(err instanceof Error ? err.message : "");
      throw checkFailed(`stack ${name}: the refresh preview (pulumi refresh --preview-only) failed: ${why}`);
    }
    return events.outcomesFor(urns);
  }

  /** Selects `current` again (or unselects, when no stack was selected), as before the check. */
  async restoreSelection(current: string | undefined): Promise<void> {
    if (current !== undefined) await step(`selecting stack ${current} again`, () => this.ws.selectStack(current));
    // The Automation API has no "unselect": the same CLI it drives does it.
    else
      await step("unselecting the stack (pulumi stack unselect)", () =>
        run(this.ws.pulumiCommand.command, ["stack", "unselect"], { cwd: this.ws.workDir }),
      );
  }
}
