package org.scribbleseg.engine.nn;

/** A safetensors file is malformed, truncated, or does not hold what the caller asked for. */
public class SafetensorsException extends RuntimeException {
    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
