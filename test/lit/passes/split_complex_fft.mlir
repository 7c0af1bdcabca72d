// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex | filecheck %s --check-prefix=NO-COMPLEX

// stablehlo.fft becomes real DFT matrix products: constant cos / sin
// matrices and dot_generals of the form [M, N] x [N, K] (one contracting
// dim per side, no batch dims), the form the emitter's matmul accepts.
// NO-COMPLEX-NOT: complex<
// NO-COMPLEX-NOT: stablehlo.fft

// FFT over the last axis: W = C + iS with C = cos(2 pi k n / N) and
// S = -sin(...); (Xr + iXi) W = (Xr C - Xi S) + i (Xr S + Xi C). Quarter
// turns are exact 0 / +-1, and no -0.0.
// CHECK-LABEL: func.func @fft(
// CHECK-SAME:    %[[XR:[^:]*]]: tensor<3x4xf32> {{.*}}, %[[XI:[^:]*]]: tensor<3x4xf32> {{.*}}) -> (
// CHECK-NEXT:    %[[C:.*]] = stablehlo.constant dense<{{\[}}[1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00], [1.000000e+00, 0.000000e+00, -1.000000e+00, 0.000000e+00], [1.000000e+00, -1.000000e+00, 1.000000e+00, -1.000000e+00], [1.000000e+00, 0.000000e+00, -1.000000e+00, 0.000000e+00]]> : tensor<4x4xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, -1.000000e+00, 0.000000e+00, 1.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00, -1.000000e+00]]> : tensor<4x4xf32>
// CHECK-NEXT:    %[[RC:.*]] = stablehlo.dot_general %[[XR]], %[[C]], contracting_dims = [1] x [0] : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    %[[RS:.*]] = stablehlo.dot_general %[[XR]], %[[S]], contracting_dims = [1] x [0]
// CHECK-NEXT:    %[[IS:.*]] = stablehlo.dot_general %[[XI]], %[[S]], contracting_dims = [1] x [0]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.subtract %[[RC]], %[[IS]] : tensor<3x4xf32>
// CHECK-NEXT:    %[[IC:.*]] = stablehlo.dot_general %[[XI]], %[[C]], contracting_dims = [1] x [0]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.add %[[RS]], %[[IC]] : tensor<3x4xf32>
// CHECK-NEXT:    return %[[RE]], %[[IM]] : tensor<3x4xf32>, tensor<3x4xf32>
func.func @fft(%z: tensor<3x4xcomplex<f32>>) -> tensor<3x4xcomplex<f32>> {
  %0 = stablehlo.fft %z, type = FFT, length = [4] : (tensor<3x4xcomplex<f32>>) -> tensor<3x4xcomplex<f32>>
  return %0 : tensor<3x4xcomplex<f32>>
}

// -----

// RFFT: a real input (no imaginary products at all), [N, N/2 + 1]
// matrices; leading dims are flattened for the matmul and restored.
// CHECK-LABEL: func.func @rfft(
// CHECK-SAME:    %[[X:[^:]*]]: tensor<2x3x4xf32> {hlo_coreml.source_index = 0 : i64}) -> (
// CHECK-NEXT:    %[[C:.*]] = stablehlo.constant dense<{{\[}}[1.000000e+00, 1.000000e+00, 1.000000e+00], [1.000000e+00, 0.000000e+00, -1.000000e+00], [1.000000e+00, -1.000000e+00, 1.000000e+00], [1.000000e+00, 0.000000e+00, -1.000000e+00]]> : tensor<4x3xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, -1.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00]]> : tensor<4x3xf32>
// CHECK-NEXT:    %[[X2:.*]] = stablehlo.reshape %[[X]] : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK-NEXT:    %[[RE2:.*]] = stablehlo.dot_general %[[X2]], %[[C]], contracting_dims = [1] x [0] : (tensor<6x4xf32>, tensor<4x3xf32>) -> tensor<6x3xf32>
// CHECK-NEXT:    %[[IM2:.*]] = stablehlo.dot_general %[[X2]], %[[S]], contracting_dims = [1] x [0] : (tensor<6x4xf32>, tensor<4x3xf32>) -> tensor<6x3xf32>
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.reshape %[[RE2]] : (tensor<6x3xf32>) -> tensor<2x3x3xf32>
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.reshape %[[IM2]] : (tensor<6x3xf32>) -> tensor<2x3x3xf32>
// CHECK-NEXT:    return %[[RE]], %[[IM]] : tensor<2x3x3xf32>, tensor<2x3x3xf32>
func.func @rfft(%x: tensor<2x3x4xf32>) -> tensor<2x3x3xcomplex<f32>> {
  %0 = stablehlo.fft %x, type = RFFT, length = [4] : (tensor<2x3x4xf32>) -> tensor<2x3x3xcomplex<f32>>
  return %0 : tensor<2x3x3xcomplex<f32>>
}

// -----

// IFFT over two axes: the last axis first (C/N and +S/N), then axis -2,
// moved last by a transpose and back. N = 3 is not a power of two.
// CHECK-LABEL: func.func @ifft2(
// CHECK-SAME:    %[[XR:[^:]*]]: tensor<2x3x4xf32> {{.*}}, %[[XI:[^:]*]]: tensor<2x3x4xf32> {{.*}}) -> (
// CHECK-NEXT:    %[[C4:.*]] = stablehlo.constant dense<{{\[}}[2.500000e-01, 2.500000e-01, 2.500000e-01, 2.500000e-01], [2.500000e-01, 0.000000e+00, -2.500000e-01, 0.000000e+00], [2.500000e-01, -2.500000e-01, 2.500000e-01, -2.500000e-01], [2.500000e-01, 0.000000e+00, -2.500000e-01, 0.000000e+00]]> : tensor<4x4xf32>
// CHECK-NEXT:    %[[S4:.*]] = stablehlo.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 2.500000e-01, 0.000000e+00, -2.500000e-01], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, -2.500000e-01, 0.000000e+00, 2.500000e-01]]> : tensor<4x4xf32>
// CHECK-NEXT:    %[[XR2:.*]] = stablehlo.reshape %[[XR]] : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK-NEXT:    %[[XI2:.*]] = stablehlo.reshape %[[XI]] : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK-COUNT-2: stablehlo.dot_general
// CHECK-NEXT:    stablehlo.dot_general
// CHECK-NEXT:    stablehlo.subtract
// CHECK-NEXT:    stablehlo.dot_general
// CHECK-NEXT:    stablehlo.add
// CHECK-NEXT:    %[[YR:.*]] = stablehlo.reshape %{{.*}} : (tensor<6x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    %[[YI:.*]] = stablehlo.reshape %{{.*}} : (tensor<6x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    %[[C3:.*]] = stablehlo.constant dense<{{\[}}[0.333333343, 0.333333343, 0.333333343], [0.333333343, -0.166666672, -0.166666672], [0.333333343, -0.166666672, -0.166666672]]> : tensor<3x3xf32>
// CHECK-NEXT:    %[[S3:.*]] = stablehlo.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.288675129, -0.288675129], [0.000000e+00, -0.288675129, 0.288675129]]> : tensor<3x3xf32>
// CHECK-NEXT:    %[[TR:.*]] = stablehlo.transpose %[[YR]], dims = [0, 2, 1] : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
// CHECK-NEXT:    %[[TR2:.*]] = stablehlo.reshape %[[TR]] : (tensor<2x4x3xf32>) -> tensor<8x3xf32>
// CHECK-NEXT:    %[[TI:.*]] = stablehlo.transpose %[[YI]], dims = [0, 2, 1] : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
// CHECK-NEXT:    %[[TI2:.*]] = stablehlo.reshape %[[TI]] : (tensor<2x4x3xf32>) -> tensor<8x3xf32>
// CHECK-NEXT:    stablehlo.dot_general %[[TR2]], %[[C3]], contracting_dims = [1] x [0] : (tensor<8x3xf32>, tensor<3x3xf32>) -> tensor<8x3xf32>
// CHECK-COUNT-2: stablehlo.dot_general
// CHECK-NEXT:    stablehlo.subtract
// CHECK-NEXT:    stablehlo.dot_general
// CHECK-NEXT:    stablehlo.add
// CHECK-NEXT:    stablehlo.reshape %{{.*}} : (tensor<8x3xf32>) -> tensor<2x4x3xf32>
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.transpose %{{.*}}, dims = [0, 2, 1] : (tensor<2x4x3xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    stablehlo.reshape %{{.*}} : (tensor<8x3xf32>) -> tensor<2x4x3xf32>
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.transpose %{{.*}}, dims = [0, 2, 1] : (tensor<2x4x3xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @ifft2(%z: tensor<2x3x4xcomplex<f32>>) -> tensor<2x3x4xcomplex<f32>> {
  %0 = stablehlo.fft %z, type = IFFT, length = [3, 4] : (tensor<2x3x4xcomplex<f32>>) -> tensor<2x3x4xcomplex<f32>>
  return %0 : tensor<2x3x4xcomplex<f32>>
}

// -----

// IRFFT from N/2 + 1 bins to N real values: x = Xr A + Xi B with
// A = w cos / N, B = -w sin / N, w = 1 for the DC and Nyquist bins and 2
// otherwise. A rank-1 input is viewed as [1, N/2 + 1].
// CHECK-LABEL: func.func @irfft(
// CHECK-SAME:    %[[XR:[^:]*]]: tensor<3xf32> {{.*}}, %[[XI:[^:]*]]: tensor<3xf32> {{.*}}) -> (tensor<4xf32> {hlo_coreml.source_index = 0 : i64})
// CHECK-NEXT:    %[[A:.*]] = stablehlo.constant dense<{{\[}}[2.500000e-01, 2.500000e-01, 2.500000e-01, 2.500000e-01], [5.000000e-01, 0.000000e+00, -5.000000e-01, 0.000000e+00], [2.500000e-01, -2.500000e-01, 2.500000e-01, -2.500000e-01]]> : tensor<3x4xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, -5.000000e-01, 0.000000e+00, 5.000000e-01], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<3x4xf32>
// CHECK-NEXT:    %[[XR2:.*]] = stablehlo.reshape %[[XR]] : (tensor<3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %[[XI2:.*]] = stablehlo.reshape %[[XI]] : (tensor<3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %[[P:.*]] = stablehlo.dot_general %[[XR2]], %[[A]], contracting_dims = [1] x [0] : (tensor<1x3xf32>, tensor<3x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %[[Q:.*]] = stablehlo.dot_general %[[XI2]], %[[B]], contracting_dims = [1] x [0] : (tensor<1x3xf32>, tensor<3x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %[[SUM:.*]] = stablehlo.add %[[P]], %[[Q]] : tensor<1x4xf32>
// CHECK-NEXT:    %[[OUT:.*]] = stablehlo.reshape %[[SUM]] : (tensor<1x4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[OUT]] : tensor<4xf32>
func.func @irfft(%z: tensor<3xcomplex<f32>>) -> tensor<4xf32> {
  %0 = stablehlo.fft %z, type = IRFFT, length = [4] : (tensor<3xcomplex<f32>>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// IRFFT over three axes: inverse complex DFTs over the two leading fft axes,
// then the real one over the last axis (5 bins -> 8 values).
// CHECK-LABEL: func.func @irfft3(
// CHECK-SAME:    -> (tensor<2x3x8xf32> {hlo_coreml.source_index = 0 : i64})
// CHECK:         stablehlo.constant {{.*}} : tensor<3x3xf32>
// CHECK:         stablehlo.transpose %{{.*}}, dims = [0, 2, 1]
// CHECK:         stablehlo.constant {{.*}} : tensor<2x2xf32>
// CHECK:         stablehlo.transpose %{{.*}}, dims = [1, 2, 0]
// CHECK:         stablehlo.constant {{.*}} : tensor<5x8xf32>
// CHECK:         stablehlo.dot_general %{{.*}}, %{{.*}}, contracting_dims = [1] x [0] : (tensor<6x5xf32>, tensor<5x8xf32>) -> tensor<6x8xf32>
// CHECK:         return %{{.*}} : tensor<2x3x8xf32>
func.func @irfft3(%z: tensor<2x3x5xcomplex<f32>>) -> tensor<2x3x8xf32> {
  %0 = stablehlo.fft %z, type = IRFFT, length = [2, 3, 8] : (tensor<2x3x5xcomplex<f32>>) -> tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
}

// -----

// complex<f64> (x64 without narrowing first): f64 matrices.
// CHECK-LABEL: func.func @fft_f64(
// CHECK:         stablehlo.constant {{.*}} : tensor<2x2xf64>
// CHECK:         stablehlo.dot_general {{.*}} : (tensor<1x2xf64>, tensor<2x2xf64>) -> tensor<1x2xf64>
func.func @fft_f64(%z: tensor<2xcomplex<f64>>) -> tensor<2xcomplex<f64>> {
  %0 = stablehlo.fft %z, type = FFT, length = [2] : (tensor<2xcomplex<f64>>) -> tensor<2xcomplex<f64>>
  return %0 : tensor<2xcomplex<f64>>
}
