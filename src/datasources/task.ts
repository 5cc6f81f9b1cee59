import codes from '../../spec/codes.json';
import { BadInputError, UpstreamUnavailableError } from '../errors';
import {
  CreatedTask,
  DialogueSpeaker,
  TaskAction,
  TaskStatus,
  TaskType,
  type CreateTaskInput,
  type DialogueTurn,
  type HangupCause,
  type TaskCallLogPage,
  type TaskCallRecord,
  type TaskState,
  type TaskStatusChange,
} from '../schema/task';
import { fromAnyPlatformTime, fromEpochMs, toInt, toNumber, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';
import { phoneInfo } from '../schema/lookup';

/** A control number of updateTaskStatus → the status the task is then in. */
const STATUS_AFTER: Record<TaskAction, TaskStatus> = {
  [TaskAction.START]: TaskStatus.RUNNING,
  [TaskAction.PAUSE]: TaskStatus.PAUSED,
  [TaskAction.CANCEL]: TaskStatus.CANCELLED,
};

/** A "Query task status" value → TaskStatus; a value the spec does not list is UNKNOWN, its raw value kept. */
function toTaskStatus(value: unknown): { status: TaskStatus; platformStatus?: string } {
  const n = toNumber(value);
  if (n !== undefined && Number.isInteger(n) && n !== TaskStatus.UNKNOWN && n in TaskStatus) return { status: n as TaskStatus };
  return { status: TaskStatus.UNKNOWN, platformStatus: value === undefined || value === null ? undefined : String(value) };
}

/**
 * hangupGcode → name and meaning from codes.json. The table lists 2102 twice (two situations, one
 * code): their meanings are joined. "1027、2111" is one source row, already split into two codes.
 */
const HANGUP_CAUSES: ReadonlyMap<number, { name: string; meaning: string }> = (() => {
  const map = new Map<number, { name: string; meaning: string }>();
  for (const row of codes.hangupCauses) {
    for (const part of String(row.code)
      .split(/[、,，\s]+/)
      .filter(Boolean)) {
      const code = Number(part);
      const known = map.get(code);
      if (known) known.meaning = `${known.meaning} / ${row.meaning}`;
      else map.set(code, { name: row.name, meaning: row.meaning });
    }
  }
  return map;
})();

/** A platform hang-up code (number or string) and name → the typed cause; undefined when absent. */
export function hangupCause(code: unknown, platformName: unknown): HangupCause | undefined {
  const n = toInt(code);
  if (n === undefined) return undefined;
  const known = HANGUP_CAUSES.get(n);
  return { code: n, platformName: String(platformName ?? ''), name: known?.name, meaning: known?.meaning };
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MAX_PAGE_SIZE = 1000;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** Checks the dialling windows: HH:mm, end after start, no overlap between windows. */
export function checkDialingWindows(windows: { start: string; end: string }[]): void {
  windows.forEach((w, i) => {
    const field = `dialingWindows[${i}]`;
    if (!HH_MM.test(w.start)) throw new BadInputError(`${field}.start`, `must be HH:mm (00:00–23:59), got "${w.start}"`);
    if (!HH_MM.test(w.end)) throw new BadInputError(`${field}.end`, `must be HH:mm (00:00–23:59), got "${w.end}"`);
    if (minutes(w.end) <= minutes(w.start)) throw new BadInputError(`${field}.end`, `must be after start ${w.start}`);
  });
  const sorted = windows.map((w, i) => ({ ...w, i })).sort((a, b) => minutes(a.start) - minutes(b.start));
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1];
    const cur = sorted[k];
    if (minutes(cur.start) < minutes(prev.end)) {
      throw new BadInputError(`dialingWindows[${cur.i}]`, `${cur.start}–${cur.end} overlaps ${prev.start}–${prev.end}`);
    }
  }
}

function checkParams(field: string, params: Record<string, unknown> | undefined): void {
  if (!params) return;
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && typeof v === 'object') throw new BadInputError(`${field}.${k}`, 'must be a string, number or boolean');
  }
}

/** The id field each task type needs, and the ones it must not carry. */
const TYPE_ID_FIELD: Record<TaskType, 'flowId' | 'templateSn' | 'ivrId' | undefined> = {
  [TaskType.ROBOT]: 'flowId',
  [TaskType.NOTICE]: 'templateSn',
  [TaskType.IVR]: 'ivrId',
  [TaskType.PREVIEW]: undefined,
};

/** The GraphQL name of a task type (ROBOT for `flow`), for messages. */
function typeName(type: TaskType): string {
  return (Object.keys(TaskType) as (keyof typeof TaskType)[]).find((k) => TaskType[k] === type) ?? type;
}

export interface PlatformRecord {
  called?: unknown;
  caller?: unknown;
  hangupGcode?: unknown;
  hangupGname?: unknown;
  callID?: unknown;
  callId?: unknown;
  startTime?: unknown;
  ringingTime?: unknown;
  answerTime?: unknown;
  endTime?: unknown;
  duration?: unknown;
  taskSn?: unknown;
  userData?: unknown;
  output?: unknown;
  recordPath?: unknown;
  turnInfos?: {
    talker?: unknown;
    content?: unknown;
    talkAt?: unknown;
    talkDuration?: unknown;
    recordName?: unknown;
    labelName?: unknown;
  }[];
}

const SPEAKERS = new Set<string>([DialogueSpeaker.CUSTOMER, DialogueSpeaker.BOT]);

function toTurn(t: NonNullable<PlatformRecord['turnInfos']>[number]): DialogueTurn {
  const talker = toOptionalString(t.talker);
  const known = talker !== undefined && SPEAKERS.has(talker);
  return {
    speaker: talker === undefined ? undefined : known ? (talker as DialogueSpeaker) : DialogueSpeaker.UNKNOWN,
    platformSpeaker: talker !== undefined && !known ? talker : undefined,
    content: String(t.content ?? ''),
    spokenAt: fromEpochMs(t.talkAt),
    durationMs: toInt(t.talkDuration),
    recordingUrl: toOptionalString(t.recordName),
    label: toOptionalString(t.labelName),
  };
}

/** A platform call record (call-log row or CallEnd callback) → TaskCallRecord. */
export function toCallRecord(r: PlatformRecord, taskSn: string): TaskCallRecord {
  const callId = String(r.callID ?? r.callId ?? '');
  return {
    id: callId,
    callId,
    taskSn: String(r.taskSn ?? taskSn),
    called: String(r.called ?? ''),
    calledInfo: phoneInfo(toOptionalString(r.called)),
    caller: String(r.caller ?? ''),
    hangup: hangupCause(r.hangupGcode, r.hangupGname),
    startedAt: fromAnyPlatformTime(r.startTime),
    ringingAt: fromAnyPlatformTime(r.ringingTime),
    answeredAt: fromAnyPlatformTime(r.answerTime),
    endedAt: fromAnyPlatformTime(r.endTime),
    durationMs: toInt(r.duration) ?? 0,
    userData: toOptionalString(r.userData),
    output: r.output && typeof r.output === 'object' ? (r.output as Record<string, unknown>) : undefined,
    recordingUrl: toOptionalString(r.recordPath),
    turns: Array.isArray(r.turnInfos) ? r.turnInfos.map(toTurn) : [],
  };
}

/** Outbound call tasks (family `task`). */
export class TaskDataSource extends DataSource {
  async create(input: CreateTaskInput): Promise<CreatedTask> {
    const body = this.createBody(input);
    const { data } = await this.ctx.call<{ taskSn?: unknown }>('task.create', { body });
    const taskSn = toOptionalString(data?.taskSn);
    if (!taskSn) throw new UpstreamUnavailableError('task.create', 'no taskSn in the answer');
    return { id: taskSn, taskSn, type: input.type, contactCount: input.contacts.length };
  }

  /** Validates the input and builds the platform's JSON body (contacts are mapped in one pass). */
  private createBody(input: CreateTaskInput): Record<string, unknown> {
    if (!input.name.trim()) throw new BadInputError('name', 'must not be empty');
    const idField = TYPE_ID_FIELD[input.type];
    for (const f of ['flowId', 'templateSn', 'ivrId'] as const) {
      const value = input[f];
      if (f === idField && !value?.trim()) throw new BadInputError(f, `is required for ${typeName(input.type)} tasks`);
      if (f !== idField && value !== undefined && value !== null) {
        throw new BadInputError(f, `does not apply to ${typeName(input.type)} tasks`);
      }
    }
    if (input.contacts.length === 0) throw new BadInputError('contacts', 'must list at least one contact');
    const contactsList = new Array<Record<string, unknown>>(input.contacts.length);
    for (let i = 0; i < input.contacts.length; i++) {
      const c = input.contacts[i];
      // c.phone is a Phone: validated and normalised before the resolver ran.
      checkParams(`contacts[${i}].params`, c.params);
      const item: Record<string, unknown> = { phone: c.phone };
      if (c.params) item.params = c.params;
      if (c.userData !== undefined && c.userData !== null) item.userData = c.userData;
      contactsList[i] = item;
    }
    if (input.dialingStartsAt && input.dialingEndsAt && input.dialingEndsAt.getTime() < input.dialingStartsAt.getTime()) {
      throw new BadInputError('dialingEndsAt', 'must not be before dialingStartsAt');
    }
    if (input.dialingWindows) checkDialingWindows(input.dialingWindows);
    const steps = input.recallStrategy ?? [];
    steps.forEach((s, i) => {
      if (s.delaySeconds < 0) throw new BadInputError(`recallStrategy[${i}].delaySeconds`, 'must not be negative');
      if (s.attempt !== i + 1) throw new BadInputError(`recallStrategy[${i}].attempt`, `must be ${i + 1} (steps in redial order)`);
    });

    const body: Record<string, unknown> = { name: input.name, taskType: input.type };
    if (idField === 'flowId') body.groupId = input.flowId;
    if (idField === 'templateSn') body.templateSn = input.templateSn;
    if (idField === 'ivrId') body.ivrId = input.ivrId;
    if (input.caller) body.caller = input.caller;
    body.contactsList = contactsList;
    if (input.dialingStartsAt) body.callStartDate = input.dialingStartsAt.getTime();
    if (input.dialingEndsAt) body.callEndDate = input.dialingEndsAt.getTime();
    if (input.dialingWindows?.length) body.dispatch = input.dialingWindows.map((w) => ({ start: w.start, end: w.end }));
    if (steps.length) body.recallStrategy = steps.map((s) => ({ delay: s.delaySeconds, item: s.target, recallTimes: s.attempt }));
    return body;
  }

  async status(taskSn: string, type: TaskType): Promise<TaskState> {
    const { data } = await this.ctx.call<{ taskSn: string; status: number | string; description?: string }>('task.status', {
      query: { taskType: type, taskSn },
    });
    const sn = String(data.taskSn ?? taskSn);
    return { id: sn, taskSn: sn, type, ...toTaskStatus(data.status), platformDescription: data.description ?? '' };
  }

  async setStatus(taskSn: string, action: TaskAction): Promise<TaskStatusChange> {
    const { data } = await this.ctx.call<{ taskSn: string; status: number | string }>('task.updateStatus', {
      params: { taskSn, status: action },
    });
    const echoed = Number(data?.status ?? action) as TaskAction;
    const sn = String(data?.taskSn ?? taskSn);
    return { id: sn, taskSn: sn, status: STATUS_AFTER[echoed] ?? STATUS_AFTER[action] };
  }

  async callLogs(taskSn: string, type: TaskType, page: number, pageSize: number): Promise<TaskCallLogPage> {
    if (!taskSn.trim()) throw new BadInputError('taskSn', 'must not be empty');
    if (!Number.isInteger(page) || page < 1) throw new BadInputError('page', 'must be 1 or more');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new BadInputError('pageSize', `must be between 1 and ${MAX_PAGE_SIZE}`);
    }
    const { data } = await this.ctx.call<{ records?: PlatformRecord[]; total?: unknown }>('task.logPage', {
      query: { taskType: type, pageNo: page, pageSize, taskSn },
    });
    const records = Array.isArray(data?.records) ? data.records : [];
    return { page, pageSize, total: toInt(data?.total) ?? records.length, records: records.map((r) => toCallRecord(r, taskSn)) };
  }
}
