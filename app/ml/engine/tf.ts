/**
 * The one place app/ml imports TensorFlow.js from.
 * @tensorflow/tfjs-layers' Node bundle registers the gradients of every core op on import (the
 * plain tfjs-core Node bundle does not), so importing it here is what makes tf.grads work.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

export { tf, tfl };
