package org.scribbleseg.engine.job;

/** A unit of background work. */
@FunctionalInterface
public interface Job {
    void run(JobContext ctx) throws Exception;
}
