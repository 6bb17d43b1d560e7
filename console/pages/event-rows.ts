// Events as table rows, shared by the events page and a device's timeline.
import { h } from '../element.ts';
import { formatTime, t } from '../i18n.ts';
import { dataTable } from '../table.ts';
import type { StoredEvent } from '../types.ts';

export function eventsTable(caption: string, events: StoredEvent[], withDevice: boolean): HTMLElement {
  return dataTable(
    caption,
    [t('col.time'), ...(withDevice ? [t('col.device')] : []), t('col.user'), t('col.type'), t('col.tool'), t('col.message')],
    events.map((e) => [
      formatTime(e.at),
      ...(withDevice ? [h('a', { href: `/devices/${encodeURIComponent(e.deviceId)}` }, e.deviceId)] : []),
      e.event.user ?? '',
      h('span', { class: `badge type-${e.type.replace(/[^a-z-]/g, '')}` }, e.type),
      e.toolId ?? '',
      e.event.message ?? '',
    ]),
  );
}
