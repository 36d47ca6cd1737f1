/**
 * The tray icon, drawn in code (no image file to ship or to go missing): a rounded indigo
 * square with three bars of decreasing length — a queue. Pixels are BGRA, as
 * `nativeImage.createFromBitmap` expects.
 */
const INDIGO = { r: 0x4f, g: 0x46, b: 0xe5 };

function insideRoundedSquare(x: number, y: number, size: number, radius: number): boolean {
  const cx = Math.min(Math.max(x, radius), size - 1 - radius);
  const cy = Math.min(Math.max(y, radius), size - 1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

export function trayIconBitmap(size: number): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const radius = Math.round(size * 0.22);
  const barHeight = Math.max(1, Math.round(size * 0.12));
  const left = Math.round(size * 0.22);
  const bars = [0.78, 0.6, 0.42].map((length, i) => ({
    top: Math.round(size * (0.24 + i * 0.2)),
    right: left + Math.round(size * length * 0.72),
  }));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!insideRoundedSquare(x, y, size, radius)) continue;
      const onBar = bars.some((bar) => y >= bar.top && y < bar.top + barHeight && x >= left && x < bar.right);
      const offset = (y * size + x) * 4;
      const color = onBar ? { r: 255, g: 255, b: 255 } : INDIGO;
      pixels[offset] = color.b;
      pixels[offset + 1] = color.g;
      pixels[offset + 2] = color.r;
      pixels[offset + 3] = 255;
    }
  }
  return pixels;
}
