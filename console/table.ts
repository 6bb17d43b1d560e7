// A data table with a caption and column headers (what screen readers announce), scrolling sideways on a
// narrow screen instead of squeezing its columns.
import { h } from './element.ts';
import { t } from './i18n.ts';

type Cell = Node | string | number | null | undefined | (Node | string)[];

export function dataTable(caption: string, headers: string[], rows: Cell[][]): HTMLElement {
  if (!rows.length) return h('section', { class: 'empty' }, h('h2', {}, caption), h('p', {}, t('none')));
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c ?? ''))))),
    ),
  );
}
