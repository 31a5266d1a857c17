// KeelJava: the JVM under keel (tests/shim/java.sh). The JVM's native
// memory is malloc's: direct ByteBuffers (allocated by one thread, freed
// by the Cleaner thread after a GC), zlib's state behind Deflater and
// Inflater, the JVM's own tables. One mode per run:
//   churn     8 threads allocate direct buffers of 1 B-256 KiB, check each
//             comes zeroed (allocateDirect clears it), write it, hand it to
//             another thread through a queue, which checks it, and
//             round-trip random bytes through zlib; prints one line of
//             sums, the same under any allocator
//   spawn     ProcessBuilder starts sh three times; each child prints how
//             many of its mappings are libkeel.so's
//   giveback  256 MiB of direct buffers of 64 KiB-1 MiB, written, then
//             dropped; GC until the direct pool is empty; prints VmRSS in
//             KiB at the peak and 2 s later
//   term      a shutdown hook, then "ready", then waits to be stopped
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

public class KeelJava {
    static final int THREADS = 8;

    public static void main(String[] args) throws Exception {
        switch (args.length > 0 ? args[0] : "") {
        case "churn": churn(); break;
        case "spawn": spawn(); break;
        case "giveback": giveback(); break;
        case "term": term(); break;
        default:
            System.err.println("usage: KeelJava churn|spawn|giveback|term");
            System.exit(2);
        }
    }

    // what a buffer holds at offset k: any thread can check it
    static byte mark(ByteBuffer b, int k) {
        return (byte) ((k >> 10) ^ b.capacity());
    }

    static long churnThread(int id, ConcurrentLinkedQueue<ByteBuffer> q)
            throws DataFormatException {
        Random r = new Random(id);
        long sum = 0;
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 + r.nextInt(1 << 18));
            for (int k = 0; k < b.capacity(); k += 1024)
                if (b.get(k) != 0)
                    throw new IllegalStateException("direct buffer of "
                            + b.capacity() + " bytes not zeroed at " + k);
            for (int k = 0; k < b.capacity(); k += 1024)
                b.put(k, mark(b, k));
            q.add(b);
            ByteBuffer o = q.poll();	// often another thread's
            if (o != null)
                for (int k = 0; k < o.capacity(); k += 1024)
                    if (o.get(k) != mark(o, k))
                        throw new IllegalStateException("direct buffer of "
                                + o.capacity() + " bytes changed at " + k);
            sum += b.capacity();
            byte[] data = new byte[1000 + r.nextInt(20000)];
            r.nextBytes(data);
            Deflater d = new Deflater();
            d.setInput(data);
            d.finish();
            byte[] packed = new byte[data.length + 64];
            int len = d.deflate(packed);
            d.end();
            Inflater inf = new Inflater();
            inf.setInput(packed, 0, len);
            byte[] back = new byte[data.length];
            int got = inf.inflate(back);
            inf.end();
            if (got != data.length || !Arrays.equals(back, data))
                throw new IllegalStateException("zlib round trip differs");
            sum += len;
        }
        return sum;
    }

    static void churn() throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(THREADS);
        ConcurrentLinkedQueue<ByteBuffer> q = new ConcurrentLinkedQueue<>();
        List<Future<Long>> fs = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final int id = t;
            fs.add(ex.submit(() -> churnThread(id, q)));
        }
        StringBuilder out = new StringBuilder("sums");
        for (Future<Long> f : fs)
            out.append(' ').append(f.get());
        ex.shutdown();
        System.out.println(out);
    }

    static void spawn() throws Exception {
        for (int i = 0; i < 3; i++) {
            Process p = new ProcessBuilder("sh", "-c",
                    "grep -c libkeel /proc/self/maps || true")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            System.out.println("child " + out + " exit " + p.waitFor());
        }
    }

    static long rssKib() throws Exception {
        for (String l : Files.readAllLines(Paths.get("/proc/self/status")))
            if (l.startsWith("VmRSS:"))
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
        return -1;
    }

    static long directUsed() {
        for (BufferPoolMXBean p :
             ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
            if (p.getName().equals("direct"))
                return p.getMemoryUsed();
        return -1;
    }

    static void giveback() throws Exception {
        Random r = new Random(5);
        List<ByteBuffer> keep = new ArrayList<>();
        long bytes = 0;
        while (bytes < (256L << 20)) {
            ByteBuffer b = ByteBuffer.allocateDirect((64 << 10)
                    + r.nextInt(960 << 10));
            for (int k = 0; k < b.capacity(); k += 4096)
                b.put(k, (byte) 1);
            keep.add(b);
            bytes += b.capacity();
        }
        long peak = rssKib();
        keep = null;
        // the Cleaner frees each buffer once a GC has found it unreachable
        for (int i = 0; i < 100 && directUsed() > 0; i++) {
            System.gc();
            Thread.sleep(20);
        }
        long left = directUsed();
        Thread.sleep(2000);
        System.out.println("peak " + peak + " after " + rssKib()
                + " direct_left " + left);
    }

    static void term() throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> System.out.println("shutdown hook ran")));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(60000);
        System.out.println("not stopped");
    }
}
