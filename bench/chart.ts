import { Resvg } from '@resvg/resvg-js';

export interface Bar {
  label: string;
  value: number;
}

export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
}

const COLORS = ['#6b7280', '#2563eb', '#dc2626', '#059669'];
const WIDTH = 460;
const HEIGHT = 300;

/** Text safe inside SVG elements and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function panelSvg(panel: Panel, x: number): string {
  const max = Math.max(...panel.bars.map((b) => b.value), 1e-9);
  const plotTop = 60;
  const plotHeight = HEIGHT - plotTop - 50;
  const slot = (WIDTH - 60) / panel.bars.length;
  const bars = panel.bars
    .map((bar, i) => {
      const h = (bar.value / max) * plotHeight;
      const bx = x + 40 + i * slot + slot * 0.15;
      const by = plotTop + plotHeight - h;
      const value = bar.value >= 100 ? bar.value.toFixed(0) : bar.value.toFixed(2);
      return (
        `<rect x="${bx}" y="${by}" width="${slot * 0.7}" height="${h}" fill="${COLORS[i % COLORS.length]}"/>` +
        `<text x="${bx + slot * 0.35}" y="${by - 6}" font-size="13" text-anchor="middle">${escapeXml(value)}</text>` +
        `<text x="${bx + slot * 0.35}" y="${plotTop + plotHeight + 20}" font-size="13" text-anchor="middle">${escapeXml(bar.label)}</text>`
      );
    })
    .join('');
  return (
    `<text x="${x + WIDTH / 2}" y="28" font-size="16" font-weight="bold" text-anchor="middle">${escapeXml(panel.title)}</text>` +
    `<text x="${x + WIDTH / 2}" y="46" font-size="12" fill="#555" text-anchor="middle">${escapeXml(panel.unit)}</text>` +
    `<line x1="${x + 30}" y1="${plotTop + plotHeight}" x2="${x + WIDTH - 10}" y2="${plotTop + plotHeight}" stroke="#999"/>` +
    bars
  );
}

/** Side-by-side bar panels as a PNG. */
export function renderChart(panels: Panel[]): Buffer {
  const width = WIDTH * panels.length;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" font-family="DejaVu Sans, sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    panels.map((panel, i) => panelSvg(panel, i * WIDTH)).join('') +
    `</svg>`;
  return svgToPng(svg);
}

/** An SVG rendered to PNG with resvg and the system fonts. */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
