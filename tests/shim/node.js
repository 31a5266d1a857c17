// node.js: Node under libkeel.so (tests/shim/node.sh). Four worker threads
// churn Buffers that Buffer.alloc zeroes (calloc), check that each comes
// zeroed, write them and sum them; the main thread round-trips JSON and
// zlib. Prints one line of sums that must match the run under glibc.
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const zlib = require('zlib');

function churn(seed) {
  const zeros = Buffer.alloc(5000);
  let keep = [], sum = 0, x = seed;
  for (let i = 0; i < 150000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const n = x % 5000;
    const b = Buffer.alloc(n);
    if (Buffer.compare(b, zeros.subarray(0, n)) !== 0)
      throw new Error(`Buffer.alloc(${n}) not zeroed at iteration ${i}`);
    b.fill(i & 255);
    keep.push(b);
    if (keep.length > 2000) {
      for (const k of keep)
        sum = (sum + k.length * (k.length ? k[k.length - 1] : 1)) % 1000000007;
      keep = [];
    }
  }
  return sum;
}

if (!isMainThread) {
  parentPort.postMessage(churn(workerData));
} else {
  const sums = new Array(4);
  let done = 0;
  for (let w = 0; w < 4; w++) {
    const worker = new Worker(__filename, { workerData: 7 + w });
    worker.on('message', (s) => { sums[w] = s; });
    worker.on('error', (e) => { console.error(`worker ${w}: ${e.message}`); process.exit(1); });
    worker.on('exit', () => {
      if (++done < 4) return;
      const objs = [];
      for (let i = 0; i < 100000; i++)
        objs.push({ id: i, name: 'n' + i, tags: ['a' + (i % 7), 'b' + (i % 13)] });
      const json = JSON.stringify(objs);
      const back = JSON.parse(json);
      const packed = zlib.deflateSync(Buffer.from(json));
      const unpacked = zlib.inflateSync(packed).toString();
      if (unpacked !== json || back.length !== objs.length)
        throw new Error('JSON or zlib round trip differs');
      console.log(`workers ${sums.join(' ')} json ${json.length} zlib ${packed.length}`);
    });
  }
}
