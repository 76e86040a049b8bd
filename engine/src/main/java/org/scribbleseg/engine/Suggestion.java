package org.scribbleseg.engine;

import org.scribbleseg.engine.project.ImageEntry;

/**
 * An image suggested for annotation. {@code meanUncertainty} is NaN when its features are not cached yet;
 * {@code rarestClassShare} is the labelled-pixel share of the least represented class it is predicted to contain.
 */
public record Suggestion(ImageEntry image, double meanUncertainty, double rarestClassShare) {
}
