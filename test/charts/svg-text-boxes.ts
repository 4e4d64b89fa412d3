/**
 * The text boxes of an SVG that vega wrote, in page coordinates, to check that
 * no two labels overlap. vega places every text by transforms on its groups
 * and on the text itself (translate, and rotate(+-90) for axis titles); a box
 * is estimated from the font size (DejaVu Sans: about 0.6 em per character,
 * digits and capitals 0.72 em above the baseline).
 */
export interface TextBox {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

function translateOf(attrs: string): [number, number] {
  const m = /transform="translate\(([-\d.e]+),([-\d.e]+)\)/.exec(attrs);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export function textBoxes(svg: string): TextBox[] {
  const boxes: TextBox[] = [];
  const stack: [number, number][] = [[0, 0]];
  const re = /<(\/?)(g|text)\b([^>]*?)(\/?)>(?:([^<]*)<\/text>)?/g;
  for (const m of svg.matchAll(re)) {
    const [, close, tag, attrs, selfClose, content] = m;
    if (tag === 'g') {
      if (close) stack.pop();
      else if (!selfClose) {
        const [dx, dy] = translateOf(attrs);
        const top = stack[stack.length - 1];
        stack.push([top[0] + dx, top[1] + dy]);
      }
      continue;
    }
    if (close || content === undefined) continue;
    if (/opacity="0"/.test(attrs) || /display="none"/.test(attrs)) continue;
    const text = decode(content);
    if (!text.trim()) continue;
    const fs = Number(/font-size="([\d.]+)px"/.exec(attrs)?.[1] ?? 10);
    const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start';
    const tr = /transform="([^"]*)"/.exec(attrs)?.[1] ?? '';
    const parts = [...tr.matchAll(/(translate|rotate)\(([^)]*)\)/g)];
    const top = stack[stack.length - 1];
    let x = top[0];
    let y = top[1];
    let rot = 0;
    for (const p of parts) {
      const v = p[2].split(/[ ,]+/).map(Number);
      if (p[1] === 'translate' && rot === 0) {
        x += v[0];
        y += v[1] ?? 0;
      } else if (p[1] === 'rotate') rot = v[0];
    }
    const w = text.length * fs * 0.6;
    const along0 = anchor === 'middle' ? -w / 2 : anchor === 'end' ? -w : 0;
    const up = 0.72 * fs;
    const down = 0.05 * fs;
    if (rot === -90 || rot === 270) boxes.push({ text, x0: x - up, x1: x + down, y0: y - along0 - w, y1: y - along0 });
    else if (rot === 90) boxes.push({ text, x0: x - down, x1: x + up, y0: y + along0, y1: y + along0 + w });
    else boxes.push({ text, x0: x + along0, x1: x + along0 + w, y0: y - up, y1: y + down });
  }
  return boxes;
}

/** Pairs of text boxes that overlap by more than `slack` px both ways. */
export function overlaps(boxes: TextBox[], slack = 0.5): [TextBox, TextBox][] {
  const out: [TextBox, TextBox][] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      const ox = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
      const oy = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      if (ox > slack && oy > slack) out.push([a, b]);
    }
  return out;
}
