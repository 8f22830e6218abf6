import * as actionsCore from "@actions/core";
import type { InputReader } from "./inputs.js";
import { neutral } from "./runner-text.js";

/** What the action needs from `@actions/core`; tests hand in a recording stand-in. */
export interface ActionIO extends InputReader {
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
  /** Never rejects: a summary that cannot be written is a warning. */
  writeSummary(markdown: string): Promise<void>;
  saveState(name: string, value: string): void;
  /** A value the main step saved (`""` if none). */
  getState(name: string): string;
}

/** `@actions/core` as an ActionIO. Every line it prints goes through `neutral`, so no value is a command. */
export function toolkitIO(core: typeof actionsCore = actionsCore): ActionIO {
  return {
    getInput: (name) => core.getInput(name),
    setOutput: (name, value) => core.setOutput(name, value),
    setFailed: (message) => core.setFailed(neutral(message)),
    info: (message) => core.info(neutral(message)),
    warning: (message) => core.warning(neutral(message)),
    startGroup: (name) => core.startGroup(neutral(name)),
    endGroup: () => core.endGroup(),
    // Outside a runner there is no GITHUB_STEP_SUMMARY; the outputs and logs still tell everything.
    writeSummary: (markdown) =>
      core.summary
        .addRaw(markdown, true)
        .write()
        .then(
          () => {},
          (error: Error) => core.warning(neutral(`could not write the job summary: ${error.message}`)),
        ),
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name),
  };
}
