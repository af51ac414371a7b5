import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MailroomEvent } from '#shared/ports/index';

/** One outbound event as local mode's bus recorded it. */
export interface LoggedEvent extends MailroomEvent {
  readonly time: string;
}

/**
 * Local mode's stand-in for the Mailroom bus (no EventBridge emulator exists): the events every
 * function of the local process published, in memory (the newest `capacity`) and, once `writeTo`
 * names a file, appended to it as JSON lines (`npm start`: `.mailroom/events.log`). Nothing is
 * written to the table, so local mode makes the DynamoDB writes AWS makes — no more.
 */
export class LocalEventLog {
  private readonly entries: LoggedEvent[] = [];
  private file: string | undefined;

  constructor(private readonly capacity = 10_000) {}

  /** Appends every later event to `file` (one JSON object per line); the folder is created. */
  writeTo(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    this.file = file;
  }

  get path(): string | undefined {
    return this.file;
  }

  append(event: LoggedEvent): void {
    this.entries.push(event);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(event)}\n`);
  }

  /** Every event still in memory, oldest first. */
  all(): readonly LoggedEvent[] {
    return this.entries;
  }

  /** The events about one email (`detail.id`), oldest first. */
  forEmail(emailId: string): LoggedEvent[] {
    return this.entries.filter((e) => e.detail.id === emailId);
  }
}

/** The log of the local process: every function local mode runs in it shares this one. */
export const localEventLog = new LocalEventLog();
