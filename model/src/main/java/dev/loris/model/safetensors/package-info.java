/**
 * Hugging Face safetensors weights, read without copying them to the Java heap and written as Python's
 * safetensors library writes them.
 *
 * <ul>
 *   <li>{@link dev.loris.model.safetensors.SafetensorsFile}: one file, memory-mapped read-only, its header
 *       checked in full; tensors as slices of the mapping.</li>
 *   <li>{@link dev.loris.model.safetensors.SafetensorsCheckpoint}: a model folder (one file, shards with an
 *       index, or several files), one lookup over all of its tensors.</li>
 *   <li>{@link dev.loris.model.safetensors.SafetensorsWriter}: canonical, atomic files; sharded folders with
 *       an index.</li>
 *   <li>{@link dev.loris.model.safetensors.SafetensorsException}: every problem a user can meet, naming the
 *       file and the tensor, with a hint.</li>
 * </ul>
 */
package dev.loris.model.safetensors;
