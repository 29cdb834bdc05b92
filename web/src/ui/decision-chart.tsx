import { useEffect, useRef, useState } from 'react';

export interface ChartSeries {
  /** Bucket starts, seconds since the epoch, every bucket of the window (empty ones as zero). */
  times: number[];
  allow: number[];
  deny: number[];
  /** Moments to mark: bundle activations and constitution enactments. */
  markers: { time: number; label: string }[];
}

/**
 * Decisions per bucket, allow and deny, with vertical markers. uPlot (and its stylesheet) load with the first chart,
 * so pages without one never pay for them.
 */
export function DecisionChart({ series, label }: { series: ChartSeries; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let cancelled = false;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(
      ([{ default: UPlot }]) => {
        if (cancelled || host.current === null) return;
        const markers = series.markers;
        chart = new UPlot(
          {
            width: Math.max(320, host.current.clientWidth),
            height: 220,
            series: [
              {},
              { label: 'allow', stroke: '#1a7f37', width: 2 },
              { label: 'deny', stroke: '#b42318', width: 2 },
            ],
            axes: [{}, { label: 'decisions' }],
            hooks: {
              draw: [
                (u) => {
                  const { ctx } = u;
                  ctx.save();
                  ctx.strokeStyle = '#5b6570';
                  ctx.setLineDash([4, 4]);
                  for (const marker of markers) {
                    const x = u.valToPos(marker.time, 'x', true);
                    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
                    ctx.beginPath();
                    ctx.moveTo(x, u.bbox.top);
                    ctx.lineTo(x, u.bbox.top + u.bbox.height);
                    ctx.stroke();
                    ctx.fillStyle = '#5b6570';
                    ctx.fillText(marker.label, x + 4, u.bbox.top + 12);
                  }
                  ctx.restore();
                },
              ],
            },
          },
          [series.times, series.allow, series.deny],
          host.current,
        );
      },
      (error: unknown) => setProblem(`the chart could not load: ${String(error)}`),
    );
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [series]);
  return (
    <figure className="chart" aria-label={label}>
      <div ref={host} data-testid="decision-chart" />
      {problem === null ? null : <p className="notice notice-error">{problem}</p>}
      <figcaption className="muted">
        {series.allow.reduce((a, b) => a + b, 0)} allowed, {series.deny.reduce((a, b) => a + b, 0)} denied; dashed lines
        mark bundle activations and enactments.
      </figcaption>
    </figure>
  );
}

/** Fills the buckets the statistics left out (no decisions) with zeros, so the line does not skip them. */
export function filledSeries(
  stats: {
    from: string;
    to: string;
    bucket: 'minute' | 'hour' | 'day';
    series: { start: string; allow: number; deny: number }[];
  },
  markers: ChartSeries['markers'],
): ChartSeries {
  const step = { minute: 60, hour: 3600, day: 86_400 }[stats.bucket];
  const first = Math.floor(Date.parse(stats.from) / 1000 / step) * step;
  const last = Math.floor(Date.parse(stats.to) / 1000 / step) * step;
  const counted = new Map(stats.series.map((bucket) => [Math.floor(Date.parse(bucket.start) / 1000), bucket]));
  const times: number[] = [];
  const allow: number[] = [];
  const deny: number[] = [];
  for (let time = first; time <= last; time += step) {
    times.push(time);
    allow.push(counted.get(time)?.allow ?? 0);
    deny.push(counted.get(time)?.deny ?? 0);
  }
  return { times, allow, deny, markers };
}
