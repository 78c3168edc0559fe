// Package coordsys converts points and geometries between the three
// coordinate systems Chinese data comes in: WGS-84 (GPS, OpenStreetMap,
// Tianditu's CGCS2000 to within centimetres), GCJ-02 (the "Mars"
// coordinates every map published in mainland China must use: Amap/高德,
// Tencent, most geocoded government lists) and BD-09 (Baidu's further
// offset of GCJ-02).
//
// GCJ-02 is WGS-84 moved by a smooth, undocumented-but-universally-copied
// function of position (the "eviltransform" formulas, as in the widely used
// coordtransform libraries: Krasovsky semi-major axis 6378245 m, eccentricity
// squared 0.00669342162296594323). BD-09 adds Baidu's rotation and
// translation on top of GCJ-02. The forward formulas are exact by
// definition; the inverses have no closed form, so this package inverts them
// by fixed-point iteration until the forward image of the answer is within
// 1e-10 degrees (about 0.01 mm) of the input: centimetre accuracy is reached
// with a large margin, where the common one-step inverse is off by up to
// 4.7 m (western China; centimetres to decimetres in the east).
//
// # Outside China
//
// The offset applies only inside mainland China. This package uses the
// convention of the reference implementations: a point is "in China" when
// its longitude lies in [72.004, 137.8347] and its latitude in
// [0.8293, 55.8271] (a rectangle, so it also shifts Hong Kong, Macau,
// Taiwan and parts of neighbouring countries, as those libraries do).
// Outside the rectangle the three systems are the same and nothing moves.
//
// Coordinates are orb values: an orb.Point is [lon, lat] in degrees. No I/O,
// no logging; every function is pure and safe for concurrent use.
package coordsys
