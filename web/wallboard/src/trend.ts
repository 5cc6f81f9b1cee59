import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Sample } from './board';
import type { QueueMinute } from './queries';

const COLORS = { waiting: '#ffc233', onCalls: '#4db8ff', answered: '#3ddc84', abandoned: '#ff5c5c', axis: '#a9b6c4', grid: '#1f2b38' };
const WINDOW_S = 60 * 60;
const MIN_SAMPLES_S = 5 * 60;
const MINUTE_INCRS = [60, 120, 300, 600, 900, 1200, 1800, 3600];

type Mode = 'minutes' | 'samples';

function rootPx(): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

/**
 * The gateway's minutes span the last hour. The page's own samples span the time since it was
 * opened (at least MIN_SAMPLES_S, at most the hour), so a page opened a minute ago shows a line.
 */
function xRange(mode: Mode, xs: ArrayLike<number>): uPlot.Range.MinMax {
  const last = xs.length ? Number(xs[xs.length - 1]) : Date.now() / 1000;
  // Minutes: the points are the minutes' middles; the axis ends where the current minute does.
  if (mode === 'minutes') return [last + 30 - WINDOW_S, last + 30];
  const first = xs.length ? Number(xs[0]) : last;
  return [Math.max(last - WINDOW_S, Math.min(first, last - MIN_SAMPLES_S)), last];
}

function options(mode: Mode, width: number, height: number): uPlot.Options {
  const px = rootPx();
  const font = `${Math.round(px * 0.7)}px system-ui, sans-serif`;
  const axis: uPlot.Axis = {
    stroke: COLORS.axis,
    font,
    size: Math.round(px * 2.2),
    grid: { stroke: COLORS.grid, width: 1 },
    ticks: { stroke: COLORS.grid, width: 1, size: 4 },
  };
  const bars = uPlot.paths.bars!;
  const series: uPlot.Series[] =
    mode === 'minutes'
      ? [
          {},
          { label: 'answered', stroke: COLORS.answered, fill: COLORS.answered, width: 0, paths: bars({ size: [0.45, 40], align: -1 }) },
          { label: 'abandoned', stroke: COLORS.abandoned, fill: COLORS.abandoned, width: 0, paths: bars({ size: [0.45, 40], align: 1 }) },
          { label: 'waiting', stroke: COLORS.waiting, width: 2 },
        ]
      : [
          {},
          { label: 'waiting', stroke: COLORS.waiting, width: 2, fill: 'rgba(255,194,51,0.14)', paths: uPlot.paths.stepped!({ align: 1 }) },
          { label: 'on calls', stroke: COLORS.onCalls, width: 2, paths: uPlot.paths.stepped!({ align: 1 }) },
        ];
  return {
    width,
    height,
    legend: { show: false },
    cursor: { show: false },
    pxAlign: 0,
    padding: [Math.round(px * 0.4), Math.round(px * 1.6), 0, 0],
    scales: {
      x: { time: true, range: (u) => xRange(mode, u.data[0]) },
      y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil((max ?? 0) * 1.15))] },
    },
    axes: [
      // Whole minutes only, shown as HH:MM.
      {
        ...axis,
        space: px * 5,
        incrs: MINUTE_INCRS,
        values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toTimeString().slice(0, 5)),
      },
      { ...axis, space: px * 1.8, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
    ],
    series,
  };
}

function data(mode: Mode, minutes: QueueMinute[] | undefined, samples: Sample[], now: number): uPlot.AlignedData {
  if (mode === 'minutes') {
    const m = minutes ?? [];
    // Each bar stands for its minute, placed at the minute's middle (the current one too, though it is not over).
    if (!m.length) return [[now / 1000], [null], [null], [null]];
    return [m.map((x) => x.startedAt / 1000 + 30), m.map((x) => x.answered), m.map((x) => x.abandoned), m.map((x) => x.callsWaiting)];
  }
  const s = samples.length ? samples : [{ at: now, callsWaiting: 0, callsInProgress: 0 }];
  return [
    [...s.map((x) => x.at / 1000), now / 1000],
    [...s.map((x) => x.callsWaiting), s.at(-1)!.callsWaiting],
    [...s.map((x) => x.callsInProgress), s.at(-1)!.callsInProgress],
  ];
}

export interface TrendProps {
  /** The gateway's last 60 minutes, when it sends them (STATS_AVAILABLE). */
  minutes?: QueueMinute[];
  /** Otherwise what the page sampled since it was opened. */
  samples: Sample[];
  now: number;
}

/** The last 60 minutes of one group: per minute answered and abandoned calls and calls waiting, or the page's own samples. */
export function Trend({ minutes, samples, now }: TrendProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const mode: Mode = minutes ? 'minutes' : 'samples';
  const values = data(mode, minutes, samples, now);
  const latest = useRef(values);
  latest.current = values;

  useEffect(() => {
    const el = box.current!;
    const size = () => ({ width: Math.max(100, Math.floor(el.clientWidth)), height: Math.max(60, Math.floor(el.clientHeight)) });
    const { width, height } = size();
    const u = new uPlot(options(mode, width, height), latest.current, el);
    plot.current = u;
    const observer = new ResizeObserver(() => u.setSize(size()));
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [mode]);

  useEffect(() => {
    plot.current?.setData(values);
  });

  // The swatches' colours are in the stylesheet (dot-<key>), the same as COLORS.
  const legend =
    mode === 'minutes'
      ? [
          ['answered', 'answered'],
          ['abandoned', 'abandoned'],
          ['waiting', 'waiting'],
        ]
      : [
          ['waiting', 'waiting'],
          ['on calls', 'on-calls'],
        ];
  return html`<figure class="trend">
    <div class="trend-plot" ref=${box}></div>
    <figcaption>
      <span class="trend-title">${mode === 'minutes' ? 'Last 60 minutes, per minute' : 'Since this page opened (up to 60 minutes)'}</span>
      ${legend.map(([label, key]) => html`<span class="swatch" key=${key}><i class=${`dot dot-${key}`}></i>${label}</span>`)}
    </figcaption>
  </figure>`;
}
