/**
 * The stand-in platform of `npm run bench:overhead` (bench/overhead.ts), run as its own process:
 * a minimal node:http server answering, as the platform does (paths of spec/endpoints.json,
 * envelopes and field names as the sandbox answers them), only what the bench needs:
 *   - auth.token   POST /api/token (JSON `{accessKeyId, accessKeySecret}`) → `{msg, code: 0, data: {token, expireTime}}`;
 *     the same path under /notice (form body) for notice.token, should the gateway ask for it;
 *   - group.page   GET /api/group/open/page?pageNo&pageSize&token → a fixed page of 10 skill groups (`code: "0"`);
 *   - task.logPage GET /obc/api/task/open/log/page?taskType&pageNo&pageSize&taskSn&token → a page of
 *     OVERHEAD_LOG_PAGE (50) call records of a robot (`flow`) task (`code: "0"`). taskSn `warm`: the
 *     same numbers every time; taskSn `cold-<k>`: fresh called numbers, 1380000000 + k × page + i, so
 *     each such page has numbers no earlier page had;
 *   - lookup.location GET /openapi/location/{phone}?token → a location answer (`code: 0`), one of a
 *     fixed few picked by the number's last digit.
 * Answers are precomputed byte buffers (the log pages from a template), so the stand-in costs
 * almost nothing per request. A wrong token answers the platform's `no auth` envelope (403 typed
 * as the endpoint's success code). GET /__stats answers how often each endpoint was called (and any
 * other path asked for), for the bench to report what the gateway called.
 * Env: OVERHEAD_ACCESS_KEY_ID, OVERHEAD_ACCESS_KEY_SECRET, OVERHEAD_LOG_PAGE (50), PORT (0).
 * Prints `{"port":<n>}` on stdout once it listens.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

const ACCESS_KEY_ID = process.env.OVERHEAD_ACCESS_KEY_ID ?? 'bench-access-key';
const ACCESS_KEY_SECRET = process.env.OVERHEAD_ACCESS_KEY_SECRET ?? 'bench-access-secret';
const LOG_PAGE = Number(process.env.OVERHEAD_LOG_PAGE ?? 50);
const TOKEN_LIFETIME_MS = 24 * 3600_000;

/** The platform's skill-group list, 10 records as the sandbox answers them (agentMakeCall a string, as in the spec's example). */
export function skillGroupRecords(): Record<string, unknown>[] {
  return Array.from({ length: 10 }, (_, i) => {
    const agents = Array.from({ length: 3 + (i % 4) }, (_, a) => `AG${String(1000 + i * 10 + a)}`);
    return {
      sn: `GRP${String(20260001 + i)}`,
      name: `技能组 ${i + 1}`,
      deptName: '',
      policy: i % 5,
      agentTotal: agents.length,
      agentSnList: agents,
      popupWindowUrl: '',
      caller: '95001',
      agentAutoIdle: i % 2,
      agentAutoIdleTime: i % 2 ? 30 : 0,
      agentMakeCall: '1',
      remark: '',
    };
  });
}

/** [areaCode, province, areaName] as the platform writes them (the sandbox's table, a few rows). */
const AREAS: [string, string, string][] = [
  ['010', '北京', '北京'],
  ['021', '上海', '上海'],
  ['020', '广东', '广州'],
  ['0755', '广东', '深圳'],
  ['0571', '浙江', '杭州'],
  ['025', '江苏', '南京'],
  ['028', '四川', '成都'],
  ['027', '湖北', '武汉'],
  ['029', '陕西', '西安'],
  ['0531', '山东', '济南'],
];

/** The called number of record `i` of a page: the warm page has fixed numbers, cold page k fresh ones. */
export function calledNumber(page: 'warm' | number, i: number): string {
  return page === 'warm' ? String(13900000000 + i * 7919) : String(13800000000 + page * LOG_PAGE + i);
}

const MARK = '\u0000CALLED\u0000';

/** One page of task call records (robot task, every call answered with two dialogue turns), the called numbers left as MARK. */
function logPageTemplate(taskSn: string): string[] {
  const base = Date.UTC(2026, 11, 1, 2, 0, 0);
  const time = (ms: number) => {
    const cst = new Date(ms + 8 * 3600_000);
    const two = (n: number) => String(n).padStart(2, '0');
    return `${cst.getUTCFullYear()}-${cst.getUTCMonth() + 1}-${cst.getUTCDate()} ${two(cst.getUTCHours())}:${two(cst.getUTCMinutes())}:${two(cst.getUTCSeconds())}`;
  };
  const records = Array.from({ length: LOG_PAGE }, (_, i) => {
    const start = base + i * 60_000;
    const callId = `${'0'.repeat(8)}-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return {
      taskSn,
      hangupGcode: 0,
      hangupGname: '正常结束',
      caller: '95001',
      called: MARK,
      callID: callId,
      userData: `row-${i}`,
      startTime: time(start),
      ringingTime: time(start + 1000),
      answerTime: time(start + 8000),
      endTime: time(start + 38_000),
      duration: 30_000,
      output: { reached: 'yes' },
      recordPath: `http://platform.example/record/${callId}.wav`,
      turnInfos: [
        {
          talker: 'agent',
          content: '您好，我是xxx公司的客服人员，请问你是xxx吗？',
          talkAt: start + 8000,
          talkDuration: 3000,
          recordName: '',
          labelName: '开场白',
        },
        {
          talker: 'customer',
          content: '嗯，我是',
          talkAt: start + 11_500,
          talkDuration: 1200,
          recordName: `http://platform.example/turn/${callId}-1.wav`,
          labelName: '肯定',
        },
      ],
    };
  });
  return JSON.stringify({ msg: 'success', code: '0', data: { records, total: 10_000 } }).split(JSON.stringify(MARK));
}

function joinPage(parts: string[], page: 'warm' | number): Buffer {
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) out += `"${calledNumber(page, i - 1)}"` + parts[i];
  return Buffer.from(out);
}

function main(): void {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const GROUP_PAGE = json({ msg: 'success', code: '0', data: { records: skillGroupRecords(), total: 10 } });
  const LOCATIONS = AREAS.map(([areaCode, province, areaName]) =>
    json({ msg: 'success', code: 0, data: { areaCode, province, areaName, memo: '中国移动', currentMemo: '中国移动', status: 0 } }),
  );
  const NO_AUTH_STRING = json({ msg: 'no auth', code: '403' });
  const NO_AUTH_NUMBER = json({ msg: 'no auth', code: 403 });
  const NOT_FOUND = json({ msg: 'not found', code: 404 });
  const NO_TASK = json({ msg: '任务不存在', code: '-1' });
  const BAD_PHONE = json({ msg: 'invalid phone', code: -1 });
  const tokens = { cc: randomUUID(), notice: randomUUID() };
  const expireTime = Date.now() + TOKEN_LIFETIME_MS;
  // The cold pages share one template (the taskSn in the records is the warm one's: the gateway keeps the asked one).
  const coldParts = logPageTemplate('cold');
  const WARM_PAGE = joinPage(logPageTemplate('warm'), 'warm');
  const counts = new Map<string, number>();
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const send = (body: Buffer, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    };
    if (req.method === 'GET') {
      if (path === '/api/group/open/page') {
        count('group.page');
        return send(query.get('token') === tokens.cc ? GROUP_PAGE : NO_AUTH_STRING);
      }
      if (path.startsWith('/openapi/location/')) {
        count('lookup.location');
        if (query.get('token') !== tokens.cc) return send(NO_AUTH_NUMBER);
        const phone = decodeURIComponent(path.slice('/openapi/location/'.length));
        if (!/^\d{5,20}$/.test(phone)) return send(BAD_PHONE);
        return send(LOCATIONS[phone.charCodeAt(phone.length - 1) % LOCATIONS.length]);
      }
      if (path === '/obc/api/task/open/log/page') {
        count('task.logPage');
        if (query.get('token') !== tokens.cc) return send(NO_AUTH_STRING);
        const taskSn = query.get('taskSn') ?? '';
        if (query.get('taskType') !== 'flow') return send(NO_TASK);
        if (taskSn === 'warm') return send(WARM_PAGE);
        const cold = /^cold-(\d+)$/.exec(taskSn);
        return send(cold ? joinPage(coldParts, Number(cold[1])) : NO_TASK);
      }
      if (path === '/__stats') return send(json(Object.fromEntries(counts)));
    }
    if (req.method === 'POST' && (path === '/api/token' || path === '/notice/api/token')) {
      const host = path === '/api/token' ? 'cc' : 'notice';
      count(host === 'cc' ? 'auth.token' : 'notice.token');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let input: Record<string, unknown> = {};
        try {
          input = host === 'cc' ? (JSON.parse(text) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(text));
        } catch {
          // an unreadable body is refused like a wrong key below
        }
        if (input.accessKeyId !== ACCESS_KEY_ID || input.accessKeySecret !== ACCESS_KEY_SECRET) return send(NO_AUTH_NUMBER);
        send(json({ msg: 'success', code: 0, data: { token: tokens[host], expireTime } }));
      });
      return;
    }
    count(`other ${req.method} ${path}`);
    req.resume();
    send(NOT_FOUND, 404);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

if (require.main === module) main();
