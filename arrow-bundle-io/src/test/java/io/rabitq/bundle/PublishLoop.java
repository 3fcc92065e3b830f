package io.rabitq.bundle;

import java.nio.file.Path;

/** Child-process main for the crash test: publishes generation after generation until it is killed. */
public final class PublishLoop {
    private PublishLoop() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        for (long tag = 100; ; tag++) {
            TestBundles.publish(dir, tag, 3, 20_000);
            System.out.println("published " + tag);
        }
    }
}
