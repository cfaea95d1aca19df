// A photo from the camera, made small enough to keep on the phone and send over a weak network:
// at most 1,600 px on its longer side, JPEG. The canvas applies the EXIF orientation and drops the
// rest of the EXIF data (GPS included): the visit carries its own location.
export const MAX_SIDE = 1600;
const QUALITY = 0.85;

export async function downscale(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new Error("not-an-image");
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  bitmap.close?.();
  const blob = await new Promise((resolve, reject) =>
    canvas.toBlob((made) => (made ? resolve(made) : reject(new Error("not-encoded"))), "image/jpeg", QUALITY),
  );
  return { blob, width, height };
}
