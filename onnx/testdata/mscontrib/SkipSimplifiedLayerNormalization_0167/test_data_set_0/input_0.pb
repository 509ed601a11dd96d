BxJ`–ÙWBO<oB
B7QB+B6ÅYB5ÏA€,xB¨»mBØè‚BJ`B¾kBšmIB,`eB	J‚B‰ÞBçeBÕ–DBËYEBÑv5BjI0BÏgB@èB’€B