/**
 * The operator's big red button. Three levers engage it, each for a situation:
 *  - a file (`touch $DATA_DIR/KILL`): works over ssh with nothing but a shell, and survives a
 *    restart of the keeper, so a crash-looping service cannot resume sending on its own;
 *  - a signal (SIGUSR2): `kill -USR2 <pid>` when the file system is not at hand;
 *  - the ops HTTP endpoint `POST /kill`, for automation (alerting, runbooks).
 * Once engaged, {@link KillSwitch.allowsSend} is false immediately. Releasing is deliberately harder
 * than engaging: the file lever releases only when the file is removed, and a signal or HTTP
 * engagement only through an authenticated `POST /unkill`. A signal never releases (it engages, it
 * does not toggle), so an operator who sends it twice in a panic does not re-arm the keeper.
 * Signal and HTTP engagements live in memory: a restart clears them; use the file for a durable stop.
 */
import { statSync } from "node:fs";
import type { Logger } from "pino";
import type { KillSource, SafetyMetrics } from "./metrics.js";

/** The sources that latch the switch in memory (the file is re-read instead). */
export type LatchSource = Exclude<KillSource, "file">;

/** Who may release a latched switch: the authenticated HTTP endpoint, or the keeper's own code. */
export type ReleaseBy = "http" | "program";

/** Options of {@link KillSwitch}. */
export interface KillSwitchOptions {
  /** A file whose existence engages the switch; undefined disables the file lever. */
  file?: string;
  /** The signal that engages the switch; default SIGUSR2 (SIGUSR1 is Node's debugger); false for none. */
  signal?: NodeJS.Signals | false;
  logger: Logger;
  metrics?: SafetyMetrics;
  /** Wall clock in ms; default Date.now. */
  now?: () => number;
  /** Existence check of the file; default {@link killFileExists} (one stat: cheap enough for every check). */
  fileExists?: (path: string) => boolean;
}

/** Why the switch is engaged, and since when. */
export interface KillEngagement {
  readonly source: KillSource;
  readonly reason: string;
  readonly sinceMs: number;
}

/** What the switch looks like now. */
export interface KillSwitchState {
  readonly engaged: boolean;
  /** The file lever, when the file exists. */
  readonly file: KillEngagement | undefined;
  /** The latched engagement (signal, HTTP, program), if any. */
  readonly latch: KillEngagement | undefined;
}

/** What {@link KillSwitch.release} did. */
export interface ReleaseResult {
  /** Whether a latched engagement was cleared. */
  readonly released: boolean;
  /** Whether the switch is still engaged afterwards (by the file, which only its removal releases). */
  readonly engaged: boolean;
  readonly state: KillSwitchState;
}

/**
 * Whether the kill file exists. Unlike fs.existsSync, which answers false when it cannot look (a
 * directory made unreadable), this throws then, and the switch treats "cannot tell" as engaged.
 */
export function killFileExists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** A kill switch fed by a file, a signal and whoever calls {@link KillSwitch.engage}. */
export class KillSwitch {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly fileExists: (path: string) => boolean;
  private readonly signal: NodeJS.Signals | undefined;
  private fileEngagement: KillEngagement | undefined;
  private latched: KillEngagement | undefined;
  private readonly onSignal = (signal: NodeJS.Signals): void => this.engage("signal", `received ${signal}`);

  /** Installs the signal handler at once, so the lever works from the first block; {@link close} removes it. */
  constructor(private readonly opts: KillSwitchOptions) {
    this.log = opts.logger.child({ component: "kill-switch" });
    this.now = opts.now ?? Date.now;
    this.fileExists = opts.fileExists ?? killFileExists;
    this.signal = opts.signal === false ? undefined : (opts.signal ?? "SIGUSR2");
    if (this.signal) process.on(this.signal, this.onSignal);
    this.publish();
    this.poll();
  }

  /** The kill file's path, if the file lever is configured. */
  get file(): string | undefined {
    return this.opts.file;
  }

  /**
   * Whether a transaction may be sent. Re-reads the kill file every time: a stat per send costs
   * microseconds, and a file touched between two sends of one block then stops the second.
   */
  allowsSend(): boolean {
    this.poll();
    return !this.latched && !this.fileEngagement;
  }

  /** Re-reads the kill file (call once per block); logs and publishes a change. Returns whether engaged. */
  poll(): boolean {
    const path = this.opts.file;
    if (path !== undefined) {
      let present: boolean;
      try {
        present = this.fileExists(path);
      } catch {
        // Cannot tell (permissions, I/O error): fail safe, as if the file were there.
        present = true;
      }
      if (present && !this.fileEngagement) {
        this.fileEngagement = { source: "file", reason: `kill file ${path} exists`, sinceMs: this.now() };
        this.log.warn({ source: "file", file: path }, "kill switch engaged: sends stopped");
        this.publish();
      } else if (!present && this.fileEngagement) {
        this.fileEngagement = undefined;
        this.log.warn({ source: "file", file: path, stillEngaged: this.latched !== undefined }, "kill file removed");
        this.publish();
      }
    }
    return this.latched !== undefined || this.fileEngagement !== undefined;
  }

  /** Engages the switch from a latching source; a second engagement updates the reason and source. */
  engage(source: LatchSource, reason: string): void {
    const first = !this.latched;
    this.latched = { source, reason, sinceMs: first ? this.now() : this.latched!.sinceMs };
    this.log.warn({ source, reason }, first ? "kill switch engaged: sends stopped" : "kill switch engaged again");
    this.publish();
  }

  /**
   * Clears a latched engagement. The file lever is not touched: while the file exists the switch
   * stays engaged, so the person who put it there is the one who decides.
   */
  release(by: ReleaseBy): ReleaseResult {
    this.poll();
    const released = this.latched !== undefined;
    const was = this.latched;
    this.latched = undefined;
    const engaged = this.fileEngagement !== undefined;
    if (released) {
      this.log.warn(
        { by, was: was?.source, stillEngagedByFile: engaged },
        engaged ? "kill switch latch released; kill file still present" : "kill switch released: sends allowed",
      );
      this.publish();
    } else {
      this.log.info({ by, stillEngagedByFile: engaged }, "kill switch release asked while not latched");
    }
    return { released, engaged, state: this.state() };
  }

  /** The current state, without re-reading the file (see {@link poll}). */
  state(): KillSwitchState {
    return {
      engaged: this.latched !== undefined || this.fileEngagement !== undefined,
      file: this.fileEngagement,
      latch: this.latched,
    };
  }

  /** The reason to give when a send is refused: the latch first (it is what someone did last), else the file. */
  reason(): string | undefined {
    const e = this.latched ?? this.fileEngagement;
    return e ? `${e.reason} (source: ${e.source})` : undefined;
  }

  /** Removes the signal handler. The switch keeps answering with the file and latch. */
  close(): void {
    if (this.signal) process.off(this.signal, this.onSignal);
  }

  private publish(): void {
    const gauge = this.opts.metrics?.killSwitchEngaged;
    if (!gauge) return;
    gauge.set({ source: "file" }, this.fileEngagement ? 1 : 0);
    for (const source of ["signal", "http", "program"] as const)
      gauge.set({ source }, this.latched?.source === source ? 1 : 0);
  }
}
