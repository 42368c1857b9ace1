// Vite build of the dashboard: `vite build web` reads this file (web/ is the root) and writes web/dist, which the server serves at /.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  base: '/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 400 },
  // The dev server proxies the API to a running `andon serve`, so `vite web` works against real data.
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/metrics': 'http://127.0.0.1:8080' } },
});
