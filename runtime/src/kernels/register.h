// Registration of DailyDrug's custom ExecuTorch operators (see register.cpp for the schemas).
#pragma once

namespace dailydrug::kernels {

// True when this process image registered dailydrug::update_cache.out and dailydrug::sdpa.out
// with ExecuTorch's kernel registry at load time. Referencing it also keeps the registering
// object in a static link.
bool kernels_registered();

}  // namespace dailydrug::kernels
