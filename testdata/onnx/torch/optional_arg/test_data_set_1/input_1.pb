
y