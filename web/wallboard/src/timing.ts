/**
 * User timing of the page's own work per update, read by `npm run bench:wallboard` (through a
 * PerformanceObserver it installs): `wallboard:update` runs from an update's arrival to the commit
 * of the render that shows it (the wait for the next frame included), `wallboard:render` from the
 * render's request to its commit (preact's work alone), `wallboard:paint` from the arrival to the
 * task after the next frame (the frame showing it has been painted). performance.measure is cheap;
 * the entries are cleared every MAX_ENTRIES so a board left open for weeks holds no more.
 */
const MAX_ENTRIES = 600;

let arrived: number[] = [];
let requested: number | undefined;
/** The arrivals whose render was committed, waiting for the frame that paints it. */
let painting: number[] | undefined;
let entries = 0;

const measure = (name: string, start: number, end: number) => {
  performance.measure(name, { start, end });
  if (++entries < MAX_ENTRIES) return;
  entries = 0;
  for (const n of ['wallboard:update', 'wallboard:render', 'wallboard:paint']) performance.clearMeasures(n);
};

/** An update was applied to the board. */
export function updateArrived(): void {
  if (arrived.length < MAX_ENTRIES) arrived.push(performance.now());
}

/** The board asked for a render. */
export function renderRequested(): void {
  requested ??= performance.now();
}

/** A render was committed (called from a layout effect, after preact wrote the DOM). */
export function renderCommitted(): void {
  const end = performance.now();
  if (requested !== undefined) measure('wallboard:render', requested, end);
  requested = undefined;
  if (!arrived.length) return;
  const starts = arrived;
  arrived = [];
  for (const start of starts) measure('wallboard:update', start, end);
  // One frame awaited at a time (a hidden tab runs no frames: what waits for one stays bounded).
  if (painting) {
    if (painting.length < MAX_ENTRIES) painting.push(...starts);
    return;
  }
  painting = starts;
  requestAnimationFrame(() =>
    setTimeout(() => {
      const painted = performance.now();
      const waited = painting ?? [];
      painting = undefined;
      for (const start of waited) measure('wallboard:paint', start, painted);
    }),
  );
}
