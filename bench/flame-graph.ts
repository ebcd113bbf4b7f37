import { escapeXml } from './chart.js';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that a flame graph needs. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Whose code a frame runs: ours, a dependency's, Node's own JavaScript, or V8/native. */
export type FrameKind = 'gpuroute' | 'dependency' | 'node' | 'native';

export interface Frame {
  name: string;
  /** package name or file:line */
  where: string;
  kind: FrameKind;
  selfUs: number;
  totalUs: number;
  children: Frame[];
}

function describe(url: string, line: number): { where: string; kind: FrameKind } {
  if (url === '') return { where: 'native', kind: 'native' };
  if (url.startsWith('node:')) return { where: `${url}:${line + 1}`, kind: 'node' };
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const [scope, name] = url.slice(modules + 'node_modules/'.length).split('/');
    return { where: scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? url), kind: 'dependency' };
  }
  return { where: `${url.slice(url.lastIndexOf('/') + 1)}:${line + 1}`, kind: 'gpuroute' };
}

/**
 * The profile's call tree with the time spent in each frame and below it. V8's idle
 * samples are left out: waiting for the next event is not work.
 */
export function callTree(profile: CpuProfile): Frame {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const build = (id: number): Frame | undefined => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return undefined;
    const children = (node.children ?? []).map(build).filter((c): c is Frame => c !== undefined);
    const own = selfUs.get(id) ?? 0;
    const { where, kind } = describe(node.callFrame.url, node.callFrame.lineNumber);
    return {
      name: node.callFrame.functionName || '(anonymous)',
      where,
      kind,
      selfUs: own,
      totalUs: own + children.reduce((sum, c) => sum + c.totalUs, 0),
      children: children.sort((a, b) => b.totalUs - a.totalUs),
    };
  };
  const root = profile.nodes[0] ? build(profile.nodes[0].id) : undefined;
  return root ?? { name: '(root)', where: 'native', kind: 'native', selfUs: 0, totalUs: 0, children: [] };
}

/** Self time summed by function, most first: what the flame graph's plateaus are. */
export function hottest(root: Frame, count: number): Array<{ name: string; where: string; kind: FrameKind; selfUs: number }> {
  const sums = new Map<string, { name: string; where: string; kind: FrameKind; selfUs: number }>();
  const visit = (frame: Frame) => {
    const key = `${frame.name}\u0000${frame.where}`;
    const entry = sums.get(key) ?? { name: frame.name, where: frame.where, kind: frame.kind, selfUs: 0 };
    entry.selfUs += frame.selfUs;
    sums.set(key, entry);
    frame.children.forEach(visit);
  };
  visit(root);
  return [...sums.values()].sort((a, b) => b.selfUs - a.selfUs).slice(0, count);
}

const ROW = 17;
const HEADER = 56;
const COLORS: Record<FrameKind, string> = { gpuroute: '#f59e0b', dependency: '#34d399', node: '#93c5fd', native: '#d1d5db' };

export interface FlameGraphOptions {
  title: string;
  subtitle: string;
  /** Divides times in the tooltips, to read them per request. */
  perUnit: number;
  width?: number;
}

/**
 * A flame graph as SVG: one box per call path, as wide as the time spent in it and
 * below it, callers under callees. Boxes narrower than a third of a pixel are dropped;
 * every box has a tooltip with its share and its time per request.
 */
export function flameGraphSvg(root: Frame, options: FlameGraphOptions): string {
  const width = options.width ?? 1200;
  const scale = root.totalUs > 0 ? width / root.totalUs : 0;
  const placed: Array<{ frame: Frame; x: number; level: number; w: number }> = [];
  const place = (frame: Frame, x: number, level: number) => {
    const w = frame.totalUs * scale;
    if (w < 0.33) return;
    placed.push({ frame, x, level, w });
    let childX = x;
    for (const child of frame.children) {
      place(child, childX, level + 1);
      childX += child.totalUs * scale;
    }
  };
  place(root, 0, 0);
  const levels = Math.max(0, ...placed.map((p) => p.level)) + 1;
  const height = HEADER + levels * ROW + 8;
  // A flame graph stands on its root: level 0 is the bottom row.
  const boxes = placed.map((p) => box(p.frame, p.x, height - 8 - (p.level + 1) * ROW, p.w, root.totalUs, options.perUnit));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="11">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${width / 2}" y="22" font-size="16" font-weight="bold" text-anchor="middle">${escapeXml(options.title)}</text>` +
    `<text x="${width / 2}" y="40" font-size="12" fill="#555" text-anchor="middle">${escapeXml(options.subtitle)}</text>` +
    boxes.join('') +
    `</svg>`
  );
}

function box(frame: Frame, x: number, y: number, w: number, totalUs: number, perUnit: number): string {
  const share = ((frame.totalUs / totalUs) * 100).toFixed(1);
  const tip = `${frame.name} (${frame.where}): ${share} %, ${(frame.totalUs / perUnit).toFixed(2)} µs per request (self ${(frame.selfUs / perUnit).toFixed(2)})`;
  const fits = Math.floor((w - 6) / 6.5);
  const label = fits >= 3 ? (frame.name.length <= fits ? frame.name : `${frame.name.slice(0, fits - 1)}…`) : '';
  return (
    `<g><title>${escapeXml(tip)}</title>` +
    `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${ROW - 1}" fill="${COLORS[frame.kind]}" stroke="white" stroke-width="0.5"/>` +
    (label ? `<text x="${(x + 3).toFixed(2)}" y="${y + 12}">${escapeXml(label)}</text>` : '') +
    `</g>`
  );
}
