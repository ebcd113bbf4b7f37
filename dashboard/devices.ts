/**
 * The devices table: the host's NVIDIA devices from `GET /health` and the pool holding
 * each. On a host without GPUs it says that every spec runs on the CPU.
 */
import { byId, el, setText } from './dom.js';

export interface DeviceBody {
  index: number;
  uuid: string;
  name: string;
  type: string | null;
  memory_gb: number;
  pool: string | null;
}

export class DevicesView {
  readonly #body = byId<HTMLTableSectionElement>('devices-body');

  update(devices: DeviceBody[]): void {
    this.#body.replaceChildren(
      ...devices.map((d) =>
        el(
          'tr',
          { 'data-testid': 'device-row', 'data-index': String(d.index) },
          el('td', {}, String(d.index)),
          el('td', {}, d.name),
          el('td', {}, d.type === null ? el('span', { class: 'muted' }, 'not in the catalog') : el('span', { class: 'gpu' }, d.type)),
          el('td', {}, `${d.memory_gb} GB`),
          el('td', { 'data-testid': 'device-pool' }, d.pool ?? el('span', { class: 'muted' }, 'free')),
        ),
      ),
    );
    byId('devices-table').hidden = devices.length === 0;
    byId('devices-empty').hidden = devices.length > 0;
    const held = devices.filter((d) => d.pool !== null).length;
    setText(byId('devices-summary'), devices.length ? `${devices.length} GPU${devices.length === 1 ? '' : 's'}, ${held} held` : 'CPU host');
  }
}
