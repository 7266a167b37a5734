// EXIF Orientation 1-8 on JPEG: every derivative is upright and the reported size is the upright
// one (5-8 are stored with width and height swapped). The picture is four coloured quarters,
// stored so that orientation N shows red at the top left, green top right, blue bottom left and
// yellow bottom right: a wrong rotation or a missing flip moves a colour.
import sharp from 'sharp';
import { openImage } from '#shared/media/decode';
import { makeDerivatives } from '#shared/media/derivatives';
import { makeJpeg } from '../../scripts/lib/images';
import { expectUprightDerivatives, quadrantJpeg } from '../support/heif-fixtures';

describe('EXIF orientation', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'orientation %i: upright derivatives and upright dimensions',
    async (orientation) => {
      const jpeg = await quadrantJpeg(orientation, 600, 400);
      const stored = await sharp(jpeg).metadata();
      expect(stored.orientation ?? 1).toBe(orientation);
      expect([stored.width, stored.height]).toEqual(orientation >= 5 ? [400, 600] : [600, 400]);

      expect(await openImage(jpeg)).toMatchObject({ kind: 'jpeg', width: 600, height: 400 });
      const display = await expectUprightDerivatives(jpeg);
      // The orientation is applied, not carried: derivatives have no EXIF left to rotate them again.
      expect((await sharp(display).metadata()).orientation).toBeUndefined();
    },
  );

  it('swaps the reported size of a camera JPEG (makeJpeg) tagged 6 and 8, not of one tagged 3', async () => {
    for (const [orientation, size] of [
      [3, { width: 640, height: 480 }],
      [6, { width: 480, height: 640 }],
      [8, { width: 480, height: 640 }],
    ] as const) {
      const set = await makeDerivatives(await makeJpeg(640, 480, { orientation }));
      expect(set.source, `orientation ${orientation}`).toEqual(size);
      const display = set.derivatives.find((d) => d.name === 'display')!;
      expect({ width: display.width, height: display.height }).toEqual(size);
    }
  });
});
