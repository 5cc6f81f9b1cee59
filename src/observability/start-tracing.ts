// Imported first by src/main.ts: tracing (when configured) starts before ioredis and the rest load.
import { startTracing } from './tracing';

startTracing();
