// The tray and app icons as vector shapes in a unit square, rasterised with 8×8 supersampling. A shield for
// Cordon, with a glyph per state: check (protected), exclamation (blocked), clock (out of date), a dot in a
// ring (monitor), a slash through an outline (agent missing).
import type { TrayState } from '../ui-shared/tray-state.ts';
import type { Rgba } from './png-encoder.ts';

type Shape = (x: number, y: number) => boolean;
type Color = readonly [number, number, number, number];

const SHIELD_TOP = 0.05;
const SHIELD_BOTTOM = 0.97;
const SHIELD_SHOULDER = 0.55;

function shield(inset = 0): Shape {
  return (x, y) => {
    const top = SHIELD_TOP + inset + Math.abs(x - 0.5) * 0.28;
    const bottom = SHIELD_BOTTOM - inset * 1.6;
    if (y < top || y > bottom) return false;
    const half = 0.41 - inset;
    if (y <= SHIELD_SHOULDER) return Math.abs(x - 0.5) <= half;
    const t = (y - SHIELD_SHOULDER) / (bottom - SHIELD_SHOULDER);
    return Math.abs(x - 0.5) <= half * Math.sqrt(Math.max(0, 1 - t * t));
  };
}

function segment(ax: number, ay: number, bx: number, by: number, width: number): Shape {
  return (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= width / 2;
  };
}

const circle = (cx: number, cy: number, r: number): Shape => (x, y) => Math.hypot(x - cx, y - cy) <= r;
const ring = (cx: number, cy: number, r: number, w: number): Shape => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) <= w / 2;
const union = (...shapes: Shape[]): Shape => (x, y) => shapes.some((s) => s(x, y));
const minus = (a: Shape, b: Shape): Shape => (x, y) => a(x, y) && !b(x, y);

const GLYPHS: Record<Exclude<TrayState, 'agent-missing'>, Shape> = {
  protected: union(segment(0.3, 0.5, 0.45, 0.65, 0.12), segment(0.45, 0.65, 0.71, 0.35, 0.12)),
  'blocked-recently': union(segment(0.5, 0.26, 0.5, 0.54, 0.13), circle(0.5, 0.72, 0.075)),
  'out-of-date': union(ring(0.5, 0.5, 0.22, 0.08), segment(0.5, 0.5, 0.5, 0.36, 0.07), segment(0.5, 0.5, 0.61, 0.57, 0.07)),
  monitor: union(ring(0.5, 0.5, 0.22, 0.07), circle(0.5, 0.5, 0.1)),
};

const MISSING_OUTLINE = minus(shield(), shield(0.1));
const MISSING_SLASH: Shape = (x, y) => segment(0.2, 0.86, 0.8, 0.16, 0.1)(x, y) && shield()(x, y);

export const STATE_COLORS: Record<TrayState, Color> = {
  protected: [29, 122, 70, 255],
  'blocked-recently': [200, 38, 45, 255],
  'out-of-date': [214, 138, 0, 255],
  monitor: [36, 87, 197, 255],
  'agent-missing': [107, 114, 128, 255],
};
const WHITE: Color = [255, 255, 255, 255];
const BLACK: Color = [0, 0, 0, 255];

/** Layers painted bottom to top. */
function layers(state: TrayState, template: boolean): [Shape, Color][] {
  if (state === 'agent-missing') return [[union(MISSING_OUTLINE, MISSING_SLASH), template ? BLACK : STATE_COLORS[state]]];
  // macOS template images carry meaning in alpha only: the glyph is cut out of a black shield.
  if (template) return [[minus(shield(), GLYPHS[state]), BLACK]];
  return [
    [shield(), STATE_COLORS[state]],
    [GLYPHS[state], WHITE],
  ];
}

export function rasterize(paint: [Shape, Color][], size: number, samples = 8): Rgba {
  const data = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          // "over" compositing per sample, on premultiplied values.
          let sr = 0, sg = 0, sb = 0, sa = 0;
          for (const [shape, c] of paint) {
            if (!shape(x, y)) continue;
            const ca = c[3] / 255;
            sr = c[0] * ca + sr * (1 - ca);
            sg = c[1] * ca + sg * (1 - ca);
            sb = c[2] * ca + sb * (1 - ca);
            sa = ca + sa * (1 - ca);
          }
          r += sr; g += sg; b += sb; a += sa;
        }
      }
      const n = samples * samples;
      const i = (py * size + px) * 4;
      const alpha = a / n;
      data[i] = alpha ? Math.round(r / n / alpha) : 0;
      data[i + 1] = alpha ? Math.round(g / n / alpha) : 0;
      data[i + 2] = alpha ? Math.round(b / n / alpha) : 0;
      data[i + 3] = Math.round(alpha * 255);
    }
  }
  return { width: size, height: size, data };
}

export function trayIcon(state: TrayState, size: number, template: boolean): Rgba {
  return rasterize(layers(state, template), size);
}

/** The app icon: the protected shield on a rounded square. */
export function appIcon(size: number): Rgba {
  const pad = 0.1;
  const inner = (s: Shape): Shape => (x, y) => s((x - pad) / (1 - 2 * pad), (y - pad) / (1 - 2 * pad));
  const rounded: Shape = (x, y) => {
    const r = 0.2;
    const cx = Math.min(Math.max(x, r), 1 - r);
    const cy = Math.min(Math.max(y, r), 1 - r);
    return Math.hypot(x - cx, y - cy) <= r;
  };
  return rasterize(
    [
      [rounded, [240, 244, 250, 255]],
      [inner(shield()), STATE_COLORS.protected],
      [inner(GLYPHS.protected), WHITE],
    ],
    size,
  );
}
