package tokenbroker.proxy;

import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * {@code length} pseudo-random bytes from {@code seed}, made as they are read: a body of any size with no array
 * of that size anywhere, that both ends of a test can make again to compare.
 */
final class Generated extends InputStream {

    private final SplittableRandom random;
    private final byte[] block = new byte[64 * 1024];
    private long left;
    private int position = block.length;

    Generated(long seed, long length) {
        this.random = new SplittableRandom(seed);
        this.left = length;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) {
        if (left == 0) {
            return -1;
        }
        if (position == block.length) {
            random.nextBytes(block);
            position = 0;
        }
        int n = (int) Math.min(Math.min(length, block.length - position), left);
        System.arraycopy(block, position, into, offset, n);
        position += n;
        left -= n;
        return n;
    }
}
