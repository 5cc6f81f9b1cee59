import {
  fromAnyPlatformTime,
  fromEpochMs,
  fromPlatformTime,
  startOfPlatformDay,
  toInt,
  toNumber,
  toOptionalString,
  toPlatformTime,
} from '../src/upstream/convert';
import { hangupCause, toCallRecord } from '../src/datasources/task';

describe('platform value conversions (src/upstream/convert.ts)', () => {
  it('reads platform date-times as UTC+08:00, with or without zero padding', () => {
    expect(fromPlatformTime('2021-6-15 10:42:39')!.toISOString()).toBe('2021-06-15T02:42:39.000Z');
    expect(fromPlatformTime('2021-06-15 10:42:39')!.toISOString()).toBe('2021-06-15T02:42:39.000Z');
    expect(fromPlatformTime('2021-7-20 0:00:00')!.getTime()).toBe(1626710400000);
    expect(fromPlatformTime('2021-10-25\t09:15:48')!.toISOString()).toBe('2021-10-25T01:15:48.000Z');
    expect(fromPlatformTime('2021-6-15')!.toISOString()).toBe('2021-06-14T16:00:00.000Z');
    for (const empty of ['', ' ', null, undefined, 'not a date']) expect(fromPlatformTime(empty)).toBeUndefined();
  });

  it('writes platform date-times in UTC+08:00 without zero padding of month and day', () => {
    expect(toPlatformTime(new Date('2021-06-15T02:42:39Z'))).toBe('2021-6-15 10:42:39');
    expect(toPlatformTime(new Date('2021-12-31T16:05:00Z'))).toBe('2022-1-1 00:05:00');
    const d = new Date('2024-02-29T23:59:59Z');
    expect(fromPlatformTime(toPlatformTime(d))!.getTime()).toBe(d.getTime());
  });

  it('reads epoch milliseconds as numbers or numeric strings', () => {
    expect(fromEpochMs(1626710400000)!.toISOString()).toBe('2021-07-19T16:00:00.000Z');
    expect(fromEpochMs('1626710400000')!.getTime()).toBe(1626710400000);
    expect(fromEpochMs('')).toBeUndefined();
    expect(fromAnyPlatformTime('1626710400000')!.getTime()).toBe(1626710400000);
    expect(fromAnyPlatformTime('2021-7-20 00:00:00')!.getTime()).toBe(1626710400000);
  });

  it('reads numbers from numeric strings and floats like "total": 216.0', () => {
    expect(toNumber('216.0')).toBe(216);
    expect(toInt(216.0)).toBe(216);
    expect(toInt(' 3 ')).toBe(3);
    expect(toNumber('abc')).toBeUndefined();
    expect(toNumber('')).toBeUndefined();
    expect(toOptionalString('')).toBeUndefined();
    expect(toOptionalString(0)).toBe('0');
  });

  it('finds midnight of the platform day', () => {
    expect(startOfPlatformDay(new Date('2021-07-20T03:00:00Z')).getTime()).toBe(1626710400000);
    expect(startOfPlatformDay(new Date('2021-07-19T16:00:00Z')).getTime()).toBe(1626710400000);
    expect(startOfPlatformDay(new Date('2021-07-19T15:59:59Z')).getTime()).toBe(1626710400000 - 86_400_000);
  });
});

describe('call records (toCallRecord, shared by the call log and CallEnd events)', () => {
  it('names the call times startedAt/ringingAt/answeredAt/endedAt, the id is the call id, durations are ms', () => {
    const r = toCallRecord(
      {
        callID: 'c-1',
        called: '13800000001',
        caller: '95001',
        startTime: '2019-6-15 10:41:00',
        ringingTime: '2019-6-15 10:41:01',
        answerTime: '',
        endTime: '2019-6-15 10:42:00',
        duration: 50000,
        turnInfos: [{ talker: 'agent', content: 'Hi', talkAt: 1560566468000, talkDuration: 3000 }],
      },
      'task-1',
    );
    expect(r).toMatchObject({ id: 'c-1', callId: 'c-1', taskSn: 'task-1', durationMs: 50000, answeredAt: undefined });
    expect([r.startedAt, r.ringingAt, r.endedAt].map((d) => d!.toISOString())).toEqual([
      '2019-06-15T02:41:00.000Z',
      '2019-06-15T02:41:01.000Z',
      '2019-06-15T02:42:00.000Z',
    ]);
    expect(r.turns[0]).toEqual({
      speaker: 'agent',
      platformSpeaker: undefined,
      content: 'Hi',
      spokenAt: new Date(1560566468000),
      durationMs: 3000,
      recordingUrl: undefined,
      label: undefined,
    });
  });

  it('keeps a talker the spec does not list readable: UNKNOWN with the raw value', () => {
    const r = toCallRecord({ callId: 'c-2', turnInfos: [{ talker: 'supervisor', content: 'x' }, { content: 'y' }] }, 't');
    expect(r.turns.map((t) => [t.speaker, t.platformSpeaker])).toEqual([
      ['unknown', 'supervisor'],
      [undefined, undefined],
    ]);
  });
});

describe('hang-up causes (codes.json hangupCauses)', () => {
  it('maps a code given as a number or a string', () => {
    expect(hangupCause(0, '正常结束')).toEqual({
      code: 0,
      platformName: '正常结束',
      name: 'Normal end',
      meaning: expect.stringContaining('Answered'),
    });
    expect(hangupCause('1017', '用户忙')).toMatchObject({ code: 1017, name: 'User busy' });
  });
  it('keeps both meanings of 2102, listed twice in the table', () => {
    const c = hangupCause(2102, '无人接听')!;
    expect(c.meaning).toMatch(/nobody answered.* \/ .*second row/);
  });
  it('knows 1027 and 2111, one row in the source', () => {
    expect(hangupCause(1027, '呼叫受限')).toMatchObject({ name: 'Call restricted' });
    expect(hangupCause(2111, '呼叫受限')).toMatchObject({ name: 'Call restricted' });
  });
  it('passes an undocumented code through without a meaning', () => {
    expect(hangupCause(9999, '新原因')).toEqual({ code: 9999, platformName: '新原因', name: undefined, meaning: undefined });
    expect(hangupCause('', '')).toBeUndefined();
  });
});
