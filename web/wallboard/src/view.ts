import { html } from 'htm/preact';
import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { ACTIVITY_ORDER, Board } from './board';
import { ACTIVITY_LABEL, clock, count, percent, seconds, since, timeOfDay } from './format';
import { startLive, type Status } from './live';
import { TOTALS_ID, type Activity, type Agent, type Group } from './queries';
import { renderCommitted, renderRequested } from './timing';
import { Trend } from './trend';

/** Waits this long (seconds) are shown in warning and alarm colours. */
const WAIT_WARN_S = 30;
const WAIT_ALARM_S = 90;

export interface AppProps {
  token: string;
  /** ws(s)://host/graphql */
  url: string;
  groupIds?: string[];
  /** The gateway refused the token. */
  onRefused(message: string): void;
  /** The client gave up (a fatal close): the page starts again. */
  onFailed(message: string): void;
}

/** The board, live: re-rendered on every change (at most once a frame) and every second for the ticking times. */
export function App({ token, url, groupIds, onRefused, onFailed }: AppProps) {
  const board = useMemo(() => new Board(groupIds), []);
  const [status, setStatus] = useState<{ status: Status; detail?: string; since: number }>({ status: 'connecting', since: Date.now() });
  const [, setRevision] = useState(0);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let frame = 0;
    const live = startLive({
      url,
      token,
      board,
      onStatus: (s, detail) => {
        setStatus((old) => (old.status === s && old.detail === detail ? old : { status: s, detail, since: Date.now() }));
        if (s === 'refused') onRefused(detail ?? 'The gateway refused the token.');
        if (s === 'failed') onFailed(detail ?? 'The connection failed.');
      },
      onChange: () => {
        frame ||= requestAnimationFrame(() => {
          frame = 0;
          renderRequested();
          setRevision((r) => r + 1);
        });
      },
    });
    const tick = setInterval(() => {
      const at = Date.now();
      if (board.loaded) board.sample(at);
      setNow(at);
    }, 1000);
    return () => {
      live.close();
      clearInterval(tick);
      cancelAnimationFrame(frame);
    };
  }, []);

  useLayoutEffect(renderCommitted); // after every commit: the page's render time per update (timing.ts)

  const groups = board.groupList();
  const agents = board.agentList();
  const counts = board.activityCounts();
  const waiting = board.totals?.callsWaiting ?? groups.reduce((n, g) => n + g.callsWaiting, 0);
  // All groups together first, when there is more than one to add up.
  const cards = board.totals && groups.length > 1 ? [board.totals, ...groups] : groups;
  const onCalls = agents.filter((a) => a.activity === 'TALKING' || a.activity === 'RINGING' || a.activity === 'DIALING').length;

  return html`<div class="wallboard" data-status=${status.status} data-snapshots=${board.snapshots}>
    <header class="topbar">
      <h1>Wallboard</h1>
      <dl class="totals">
        <div>
          <dt>Agents logged in</dt>
          <dd data-total="loggedIn">${agents.length}</dd>
        </div>
        <div>
          <dt>On calls</dt>
          <dd>${onCalls}</dd>
        </div>
        <div class=${waiting > 0 ? 'warn' : ''}>
          <dt>Calls waiting</dt>
          <dd data-total="callsWaiting">${waiting}</dd>
        </div>
      </dl>
      <${Connection} status=${status.status} />
      <time class="clock">${timeOfDay(now)}</time>
    </header>
    <${Banner} status=${status} stale=${board.stale} updatedAt=${board.updatedAt} now=${now} />
    ${
      board.loaded
        ? html`<main>
            <section class="groups" aria-label="Skill groups">
              ${cards.length ? cards.map((g) => html`<${GroupCard} key=${g.groupId} group=${g} board=${board} now=${now} />`) : html`<p class="empty">No skill group has agents or calls yet.</p>`}
            </section>
            <section class="agents" aria-label="Agents">
              <header class="agents-head">
                <h2>Agents</h2>
                <ul class="legend">
                  ${ACTIVITY_ORDER.filter((a) => counts.has(a)).map(
                    (a) => html`<li key=${a} class=${`state-${a}`}><i class="dot"></i>${ACTIVITY_LABEL[a]} <b>${counts.get(a)}</b></li>`,
                  )}
                </ul>
              </header>
              ${
                agents.length
                  ? html`<ol class="agent-grid">
                      ${agents.map((a) => html`<${AgentTile} key=${a.agentNumber} agent=${a} now=${now} />`)}
                    </ol>`
                  : html`<p class="empty">No agent is logged in.</p>`
              }
            </section>
          </main>`
        : html`<p class="loading">Loading the wallboard…</p>`
    }
  </div>`;
}

function Connection({ status }: { status: Status }) {
  const label: Record<Status, string> = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    refused: 'Token refused',
    failed: 'Disconnected',
  };
  return html`<div class=${`connection connection-${status}`} role="status" aria-live="polite"><i class="dot"></i>${label[status]}</div>`;
}

function Banner({
  status,
  stale,
  updatedAt,
  now,
}: {
  status: { status: Status; detail?: string; since: number };
  stale: boolean;
  updatedAt: number;
  now: number;
}) {
  if (status.status === 'reconnecting') {
    return html`<div class="banner banner-reconnecting" role="alert">
      <strong>Reconnecting</strong> — the connection to the gateway was lost ${since(status.since, now)}
      ago${status.detail ? ` (${status.detail})` : ''}. ${updatedAt ? html` The figures below are from ${timeOfDay(updatedAt)}.` : ''}
    </div>`;
  }
  if (stale) {
    return html`<div class="banner banner-stale" role="status">
      <strong>Rebuilding</strong> — the gateway lost its live state and is collecting it again; agents appear as they report.
    </div>`;
  }
  return null;
}

function groupName(g: Group): string {
  return g.groupId === TOTALS_ID ? 'All groups' : (g.name ?? `Group ${g.groupId}`);
}

function waitClass(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  return seconds >= WAIT_ALARM_S ? 'alarm' : seconds >= WAIT_WARN_S ? 'warn' : '';
}

function GroupCard({ group: g, board, now }: { group: Group; board: Board; now: number }) {
  const waitS = g.callsWaiting > 0 && g.longestWaitingSince !== undefined ? (now - g.longestWaitingSince) / 1000 : undefined;
  const today = g.today;
  const total = ACTIVITY_ORDER.reduce((n, a) => n + (g.agentsByActivity[a] ?? 0), 0);
  return html`<article
    class=${g.groupId === TOTALS_ID ? 'group group-totals' : 'group'}
    data-group-id=${g.groupId === TOTALS_ID ? 'all' : g.groupId}
  >
    <header>
      <h2>${groupName(g)}</h2>
      <span class="group-sub"
        >${g.loggedIn} logged in · ${g.callsInProgress} on calls · longest idle ${since(g.longestIdleSince, now)}</span
      >
    </header>
    <div class="kpis">
      <div class=${`kpi kpi-big ${g.callsWaiting > 0 ? waitClass(waitS) || 'warn' : ''}`}>
        <span class="label">Calls waiting</span><span class="value" data-kpi="callsWaiting">${g.callsWaiting}</span>
      </div>
      <div class=${`kpi kpi-big ${waitClass(waitS)}`}>
        <span class="label">Longest wait</span><span class="value" data-kpi="longestWait">${waitS === undefined ? '–' : clock(waitS)}</span>
      </div>
      <div class="kpis-caption">Today</div>
      <div class="kpi"><span class="label">Service level</span><span class="value">${percent(today?.serviceLevelPercent)}</span></div>
      <div class="kpi"><span class="label">ASA</span><span class="value">${seconds(today?.averageSpeedOfAnswerSeconds)}</span></div>
      <div class="kpi"><span class="label">AHT</span><span class="value">${seconds(today?.averageHandleSeconds)}</span></div>
      <div class="kpi"><span class="label">Answered</span><span class="value">${count(today?.answered)}</span></div>
      <div class="kpi"><span class="label">Abandoned</span><span class="value">${count(today?.abandoned)}</span></div>
    </div>
    <div
      class="states"
      role="img"
      aria-label=${
        ACTIVITY_ORDER.filter((a) => g.agentsByActivity[a])
          .map((a) => `${ACTIVITY_LABEL[a]} ${g.agentsByActivity[a]}`)
          .join(', ') || 'no agent logged in'
      }
    >
      ${ACTIVITY_ORDER.filter((a) => g.agentsByActivity[a]).map(
        (a: Activity) =>
          html`<span key=${a} class=${`seg state-${a}`} style=${{ flexGrow: g.agentsByActivity[a] }} title=${ACTIVITY_LABEL[a]}
            >${g.agentsByActivity[a]}</span
          >`,
      )}
      ${total === 0 ? html`<span class="seg seg-none">no agent logged in</span>` : ''}
    </div>
    <${Trend} minutes=${g.trend} samples=${board.samples.get(g.groupId) ?? []} now=${now} />
  </article>`;
}

function AgentTile({ agent: a, now }: { agent: Agent; now: number }) {
  const call = a.activity === 'TALKING' || a.activity === 'RINGING' || a.activity === 'DIALING';
  const detail = call
    ? `${a.callDirection === 'OUTBOUND' ? '↗ out' : a.callDirection === 'INBOUND' ? '↙ in' : ''}${a.peerNumber ? ` ${a.peerNumber}` : ''}`
    : a.activity === 'BUSY' && a.busyType
      ? a.busyType
      : '';
  return html`<li class=${`agent state-${a.activity}`} data-agent=${a.agentNumber} data-activity=${a.activity}>
    <span class="agent-name">${a.name ?? `Agent ${a.agentNumber}`}${a.name ? html` <small>${a.agentNumber}</small>` : ''}</span>
    <span class="agent-state">${ACTIVITY_LABEL[a.activity] ?? a.activity}</span>
    <span class="agent-time">${since(a.since, now)}</span>
    <span class="agent-detail">${detail}</span>
  </li>`;
}

export function TokenForm({ message, onToken }: { message?: string; onToken(token: string): void }) {
  const [value, setValue] = useState('');
  return html`<div class="token-page">
    <form
      class="token-form"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        const t = value.trim().replace(/^Bearer\s+/i, '');
        if (t) onToken(t);
      }}
    >
      <h1>Wallboard</h1>
      <p>Paste a viewer token (a JWT with the <code>viewer</code> role) to open the live board.</p>
      ${message ? html`<p class="token-error" role="alert">${message}</p>` : ''}
      <label for="token">Token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="off"
        spellcheck="false"
        required
        value=${value}
        onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Open the wallboard</button>
      <p class="hint">The token stays in this tab only. A link may carry it as <code>/wallboard#token=…</code>.</p>
    </form>
  </div>`;
}
