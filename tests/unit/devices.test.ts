import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceAllocator } from '../../src/devices/device-allocator.js';
import { parseNvidiaSmi } from '../../src/devices/discover-devices.js';
import { parseComputeApps } from '../../src/devices/gpu-processes.js';
import { WaitingLine } from '../../src/devices/waiting-line.js';
import { GPU_TYPE_NAMES } from '../../src/gpu/gpu-types.js';
import { catalogTypeOf, KNOWN_PRODUCT_NAMES } from '../../src/gpu/product-names.js';

describe('product names → catalog types', () => {
  it('maps the names nvidia-smi prints, PCIe and NVL variants included', () => {
    const cases: Array<[string, string | null]> = [
      ['NVIDIA H100 80GB HBM3', 'H100'],
      ['NVIDIA H100 PCIe', 'H100'],
      ['NVIDIA H100 NVL', 'H100'],
      ['NVIDIA A100-SXM4-80GB', 'A100-80GB'],
      ['NVIDIA A100-PCIE-40GB', 'A100'],
      ['NVIDIA L40S', 'L40S'],
      ['NVIDIA A10G', 'A10G'],
      ['NVIDIA L4', 'L4'],
      ['NVIDIA H200', 'H200'],
      ['NVIDIA B200', 'B200'],
      ['  nvidia l40s ', 'L40S'],
      ['Tesla T4', null],
      ['NVIDIA GeForce RTX 4090', null],
    ];
    for (const [name, type] of cases) assert.equal(catalogTypeOf(name), type, name);
  });

  it('covers every catalog type', () => {
    const covered = new Set(KNOWN_PRODUCT_NAMES.map(([, type]) => type));
    assert.deepEqual(GPU_TYPE_NAMES.filter((t) => !covered.has(t)), []);
  });
});

describe('nvidia-smi output', () => {
  it('reads each row, and skips what does not parse', () => {
    const csv = '0, GPU-a, NVIDIA H100 80GB HBM3, 81559\n1, GPU-b, NVIDIA L40S, 46068\n\nNo devices were found\n2, GPU-c, Tesla T4, [N/A]\n';
    assert.deepEqual(parseNvidiaSmi(csv), [
      { index: 0, uuid: 'GPU-a', name: 'NVIDIA H100 80GB HBM3', type: 'H100', memoryMiB: 81559 },
      { index: 1, uuid: 'GPU-b', name: 'NVIDIA L40S', type: 'L40S', memoryMiB: 46068 },
    ]);
  });
});

describe('nvidia-smi --query-compute-apps output', () => {
  it('reads pid, card and memory; memory the driver cannot tell is null; other lines are skipped', () => {
    // The H200's answer for one worker (gpu-check on a lent machine), and a MIG-style "[N/A]".
    const csv = '648, GPU-cb968b6e-7692-a789-ce50-2f3a4790c660, 658\n4021, GPU-00000001-fake, [N/A]\nNo running processes found\n\n12, , 5\n';
    assert.deepEqual(parseComputeApps(csv), [
      { pid: 648, gpuUuid: 'GPU-cb968b6e-7692-a789-ce50-2f3a4790c660', usedMiB: 658 },
      { pid: 4021, gpuUuid: 'GPU-00000001-fake', usedMiB: null },
    ]);
  });
});

describe('the device allocator', () => {
  const h100 = (index: number) => ({ index, uuid: `GPU-${index}`, name: 'NVIDIA H100 80GB HBM3', type: 'H100', memoryMiB: 81559 });

  it('hands each device to one holder at a time, and takes it back once', () => {
    const devices = new DeviceAllocator([h100(0), h100(1), { ...h100(2), name: 'NVIDIA L40S', type: 'L40S' }]);
    const a = devices.take('H100', 1, 'a@H100')!;
    assert.deepEqual(a.devices.map((d) => d.index), [0]);
    assert.equal(devices.take('H100', 2, 'b@H100:2'), undefined);
    const b = devices.take('H100', 1, 'b@H100')!;
    assert.deepEqual([devices.holder(0), devices.holder(1), devices.holder(2)], ['a@H100', 'b@H100', null]);
    a.release();
    const c = devices.take('H100', 1, 'c@H100')!;
    a.release(); // a second release must not free c's device
    assert.deepEqual([c.devices[0]!.index, devices.holder(0), devices.free('H100')], [0, 'c@H100', 0]);
    b.release();
    assert.equal(devices.describe(), 'this host has 2 × H100, 1 × L40S');
    assert.deepEqual([devices.canHost('H100', 2), devices.canHost('H100', 4), devices.canHost('A100', 1)], [true, false, false]);
  });

  it('grants an empty set for any spec on a host without GPUs', () => {
    const cpu = new DeviceAllocator([]);
    assert.deepEqual([cpu.gpuHost, cpu.canHost('H100', 8), cpu.take('H100', 8, 'x')?.devices], [false, true, []]);
  });
});

describe('the waiting line', () => {
  const line = (timeoutMs = 60_000, maxWaiting = 2) =>
    new WaitingLine<string>({ timeoutMs, maxWaiting, full: () => new Error('full'), timedOut: () => new Error('timed out') });

  it('serves waiters first come, first served, and a newcomer cannot overtake them', async () => {
    const waiting = line();
    let free: string[] = [];
    const take = () => free.shift();
    const first = waiting.join(take);
    const second = waiting.join(take);
    free = ['x'];
    assert.equal(await waiting.join(() => 'y').catch((e: Error) => e.message), 'full', 'two wait already: the third is refused, not served ahead of them');
    waiting.wake();
    assert.equal(await first, 'x');
    free = ['z'];
    waiting.wake();
    assert.equal(await second, 'z');
    assert.equal(waiting.depth, 0);
  });

  it('lets a waiter go after the time-out, or when it leaves', async () => {
    const waiting = line(20);
    await assert.rejects(waiting.join(() => undefined), /timed out/);
    const leave = new AbortController();
    const left = waiting.join(() => undefined, leave.signal);
    leave.abort(new Error('client left'));
    await assert.rejects(left, /client left/);
    assert.equal(waiting.depth, 0);
  });
});
