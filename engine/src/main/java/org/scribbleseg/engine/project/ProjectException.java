package org.scribbleseg.engine.project;

/** A project-level failure with a message meant for the user (what went wrong and, where possible, what to do). */
public class ProjectException extends RuntimeException {
    public ProjectException(String message) {
        super(message);
    }

    public ProjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
