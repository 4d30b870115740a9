"""Expert-level DP offline RL study (Sharma et al., arXiv 2411.13598) on CartPole and Acrobot."""
