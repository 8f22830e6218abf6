import { readFileSync } from "node:fs";
import type { ActionIO } from "../../src/action-io.js";

const ACTION_YML = new URL("../../action.yml", import.meta.url);

/**
 * The inputs' defaults as action.yml declares them. The runner passes these for every input the
 * workflow leaves out, so the stand-in does the same; reading them from the file keeps the tests
 * honest when a default changes.
 */
export function actionDefaults(): Record<string, string> {
  return readActionInputs().defaults;
}

/** Every input action.yml declares. */
export function actionInputNames(): string[] {
  return readActionInputs().names;
}

// A reader for the one shape action.yml has (no YAML library is a dependency here); the test
// "declares exactly the inputs the action reads" fails if it ever misreads the file.
function readActionInputs(): { names: string[]; defaults: Record<string, string> } {
  const text = readFileSync(ACTION_YML, "utf8");
  const section = text.split(/^inputs:\s*$/m)[1]?.split(/^\S/m)[0] ?? "";
  const names: string[] = [];
  const defaults: Record<string, string> = {};
  let current: string | undefined;
  for (const line of section.split("\n")) {
    const input = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (input?.[1]) {
      current = input[1];
      names.push(current);
    }
    const value = /^ {4}default:\s*(.*)$/.exec(line);
    if (value && current) defaults[current] = (value[1] ?? "").replace(/^"(.*)"$/, "$1");
  }
  return { names, defaults };
}

/** One line of what the action showed, in order; groups appear as markers. */
export type LogLine =
  | { readonly kind: "info" | "warning"; readonly text: string }
  | { readonly kind: "group"; readonly text: string }
  | { readonly kind: "endgroup" };

/** A recording stand-in for @actions/core, fed inputs as the runner would (defaults filled in). */
export class RecordingIO implements ActionIO {
  readonly inputs: Record<string, string>;
  readonly outputs = new Map<string, string>();
  readonly failures: string[] = [];
  readonly log: LogLine[] = [];
  readonly summaries: string[] = [];
  readonly inputsRead: string[] = [];
  /** What the step saved with saveState, in order (the post step gets the last value of each). */
  readonly saved = new Map<string, string>();
  /** State as the runner hands it to a post step (STATE_<name>). */
  readonly state: Record<string, string>;

  constructor(inputs: Record<string, string>, state: Record<string, string> = {}) {
    this.inputs = { ...actionDefaults(), ...inputs };
    this.state = state;
  }

  saveState(name: string, value: string): void {
    this.saved.set(name, value);
  }
  getState(name: string): string {
    return this.state[name] ?? "";
  }

  getInput(name: string): string {
    this.inputsRead.push(name);
    // @actions/core trims input values by default.
    return (this.inputs[name] ?? "").trim();
  }
  setOutput(name: string, value: string): void {
    this.outputs.set(name, value);
  }
  setFailed(message: string): void {
    this.failures.push(message);
  }
  info(text: string): void {
    this.log.push({ kind: "info", text });
  }
  warning(text: string): void {
    this.log.push({ kind: "warning", text });
  }
  startGroup(text: string): void {
    this.log.push({ kind: "group", text });
  }
  endGroup(): void {
    this.log.push({ kind: "endgroup" });
  }
  async writeSummary(markdown: string): Promise<void> {
    this.summaries.push(markdown);
  }

  /** Every info/warning text, one string per line. */
  get text(): string {
    return this.log.map((line) => (line.kind === "endgroup" ? "::endgroup::" : line.text)).join("\n");
  }
}
