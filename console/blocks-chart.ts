// Blocks per day per tool as a stacked bar chart (SVG, colours from the stylesheet so light and dark both read),
// with the same numbers in a table for screen readers and for anyone who wants the figures.
import { h, svg } from './element.ts';
import { formatNumber, t } from './i18n.ts';

export interface BlocksSeries {
  days: string[];
  tools: { toolId: string; counts: number[]; total: number }[];
}

const PALETTE_SIZE = 8;

export function blocksChart(series: BlocksSeries): HTMLElement {
  const total = series.tools.reduce((s, x) => s + x.total, 0);
  const heading = h('h2', { id: 'chart-heading' }, t('overview.chart'));
  if (!total) return h('section', { class: 'chart', 'aria-labelledby': 'chart-heading' }, heading, h('p', {}, t('overview.noBlocks')));
  const perDay = series.days.map((_, i) => series.tools.reduce((s, x) => s + (x.counts[i] ?? 0), 0));
  const max = Math.max(1, ...perDay);
  const W = 600;
  const H = 200;
  const barW = W / series.days.length;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H + 20}`, role: 'img', 'aria-label': t('overview.chartSummary', { total: formatNumber(total), tools: series.tools.length }), class: 'bars' });
  series.days.forEach((day, i) => {
    let y = H;
    series.tools.forEach((tool, k) => {
      const n = tool.counts[i] ?? 0;
      if (!n) return;
      const height = (n / max) * (H - 10);
      y -= height;
      const rect = svg('rect', { x: i * barW + 1, y, width: Math.max(1, barW - 2), height, class: `series-${k % PALETTE_SIZE}` });
      rect.appendChild(svg('title')).textContent = `${day} ${tool.toolId}: ${n}`;
      chart.appendChild(rect);
    });
  });
  for (const i of [0, series.days.length - 1]) {
    const label = svg('text', { x: i === 0 ? 0 : W, y: H + 15, 'text-anchor': i === 0 ? 'start' : 'end', class: 'axis' });
    label.textContent = series.days[i]!;
    chart.appendChild(label);
  }
  const legend = h('ul', { class: 'legend' }, series.tools.map((tool, k) => h('li', {}, h('span', { class: `swatch series-${k % PALETTE_SIZE}`, 'aria-hidden': 'true' }), `${tool.toolId} (${formatNumber(tool.total)})`)));
  const figures = h('details', {}, h('summary', {}, t('overview.chartSummary', { total: formatNumber(total), tools: series.tools.length })),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('overview.day')), series.tools.map((x) => h('th', { scope: 'col' }, x.toolId)))),
      h('tbody', {}, series.days.map((d, i) => perDay[i] ? h('tr', {}, h('th', { scope: 'row' }, d), series.tools.map((x) => h('td', {}, formatNumber(x.counts[i] ?? 0)))) : null)))));
  return h('section', { class: 'chart', 'aria-labelledby': 'chart-heading' }, heading, chart, legend, figures);
}
