// libs: -lcusparse
// cuSPARSE generic API: y = alpha*A*x + beta*y for a CSR matrix (a band plus a scattered far
// diagonal), with cusparseSpMV_bufferSize and CUSPARSE_SPMV_ALG_DEFAULT, against a CPU product.
// Values are small multiples of 1/8 so every sum is exact in fp32.
#include <cmath>
#include <vector>
#include <cusparse.h>
#include "lib_check.h"

int main()
{
    const int rows = 2000, cols = 1800;
    std::vector<int> rowPtr(rows + 1, 0), colInd;
    std::vector<float> vals;
    for (int r = 0; r < rows; r++) {
        for (int c = r - 2; c <= r + 2; c++)
            if (c >= 0 && c < cols) {
                colInd.push_back(c);
                vals.push_back((float)((r * 3 + c * 5) % 9 - 4) / 8.0f);
            }
        int far = (r * 7 + 400) % cols; // one extra entry outside the band, kept sorted
        if (far > r + 2) {
            colInd.push_back(far);
            vals.push_back(0.25f);
        }
        rowPtr[r + 1] = (int)colInd.size();
    }
    const int nnz = (int)colInd.size();
    std::vector<float> x(cols), y(rows), ref(rows);
    for (int i = 0; i < cols; i++) x[i] = (float)(i % 17 - 8) / 4.0f;
    for (int i = 0; i < rows; i++) y[i] = (float)(i % 5);
    const float alpha = 2.0f, beta = -1.0f;
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int p = rowPtr[r]; p < rowPtr[r + 1]; p++) s += (double)vals[p] * x[colInd[p]];
        ref[r] = (float)(alpha * s + beta * y[r]);
    }

    int *dRowPtr, *dColInd;
    float *dVals, *dX, *dY;
    CHECK_CUDA(cudaMalloc(&dRowPtr, (rows + 1) * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dColInd, nnz * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dVals, nnz * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dX, cols * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dY, rows * sizeof(float)));
    CHECK_CUDA(cudaMemcpy(dRowPtr, rowPtr.data(), (rows + 1) * sizeof(int), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dColInd, colInd.data(), nnz * sizeof(int), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dVals, vals.data(), nnz * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dX, x.data(), cols * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dY, y.data(), rows * sizeof(float), cudaMemcpyHostToDevice));

    cusparseHandle_t h;
    CHECK_CUSPARSE(cusparseCreate(&h));
    cusparseSpMatDescr_t matA;
    cusparseDnVecDescr_t vecX, vecY;
    CHECK_CUSPARSE(cusparseCreateCsr(&matA, rows, cols, nnz, dRowPtr, dColInd, dVals, CUSPARSE_INDEX_32I,
                                     CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
    CHECK_CUSPARSE(cusparseCreateDnVec(&vecX, cols, dX, CUDA_R_32F));
    CHECK_CUSPARSE(cusparseCreateDnVec(&vecY, rows, dY, CUDA_R_32F));
    size_t bufSize = 0;
    CHECK_CUSPARSE(cusparseSpMV_bufferSize(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, matA, vecX, &beta,
                                           vecY, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, &bufSize));
    void *dBuf = nullptr;
    CHECK_CUDA(cudaMalloc(&dBuf, bufSize > 0 ? bufSize : 1));
    CHECK_CUSPARSE(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, matA, vecX, &beta, vecY,
                                CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, dBuf));
    CHECK_CUDA(cudaDeviceSynchronize());
    CHECK_CUDA(cudaMemcpy(y.data(), dY, rows * sizeof(float), cudaMemcpyDeviceToHost));

    double max_err = 0, sum = 0;
    for (int r = 0; r < rows; r++) {
        max_err = std::fmax(max_err, std::fabs((double)y[r] - ref[r]));
        sum += y[r];
    }
    std::printf("spmv %dx%d nnz=%d: y[0]=%.3f y[1234]=%.3f checksum=%.3f\n", rows, cols, nnz, y[0],
                y[1234], sum);
    std::printf("max_err<1e-4: %s\n", max_err < 1e-4 ? "yes" : "no");

    CHECK_CUSPARSE(cusparseDestroySpMat(matA));
    CHECK_CUSPARSE(cusparseDestroyDnVec(vecX));
    CHECK_CUSPARSE(cusparseDestroyDnVec(vecY));
    CHECK_CUSPARSE(cusparseDestroy(h));
    CHECK_CUDA(cudaFree(dBuf));
    CHECK_CUDA(cudaFree(dRowPtr));
    CHECK_CUDA(cudaFree(dColInd));
    CHECK_CUDA(cudaFree(dVals));
    CHECK_CUDA(cudaFree(dX));
    CHECK_CUDA(cudaFree(dY));
    return lib_finish("08_cusparse_spmv", max_err < 1e-4);
}
