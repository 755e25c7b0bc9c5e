=?php
namespace A;
